import Foundation

/// The standard normal distribution's CDF and quantile function, enough to draw from a
/// truncated lognormal by inversion (exact truncation, no mass piled on the bounds).
enum StandardNormal {
    /// Φ(x).
    static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Φ⁻¹(p) for p in (0, 1) to full double precision: ``approximateQuantile(_:)`` refined by
    /// one Halley step. Used for the published distribution parameters.
    static func quantile(_ p: Double) -> Double {
        var x = approximateQuantile(p)
        let e = cdf(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error below 1.2e-9),
    /// plenty for drawing samples and much cheaper than ``quantile(_:)``.
    static func approximateQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile needs 0 < p < 1")
        // Coefficients a1…a6, b1…b5, c1…c6, d1…d4 of Acklam's algorithm, written inline so no
        // array is built per call.
        let low = 0.02425
        if p < low || p > 1 - low {
            let q = (-2 * log(p < low ? p : 1 - p)).squareRoot()
            let numerator =
                ((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
                    - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00
            let denominator =
                (((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
                    + 3.754408661907416e+00) * q + 1
            return p < low ? numerator / denominator : -numerator / denominator
        }
        let q = p - 0.5
        let r = q * q
        let numerator =
            (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
                + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
        let denominator =
            ((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1
        return numerator / denominator
    }
}
