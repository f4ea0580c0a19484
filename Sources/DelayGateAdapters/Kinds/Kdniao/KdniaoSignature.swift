import Crypto
import DelayGateModel
import Foundation

/// Kdniao's `DataSign`: Base64 of the lowercase hex MD5 of `RequestData + AppKey`, sent
/// form-encoded next to `RequestData`. Not an HMAC and not time-stamped: replay protection
/// comes from de-duplication and an unguessable callback path.
public struct KdniaoSignature: RequestVerifier {
    let appKeys: [String]
    public let missingSecrets: [String]

    public init(appKeys: SecretPair) {
        self.appKeys = appKeys.values
        self.missingSecrets = appKeys.missingVariables
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        guard let fields = FormURLEncoded.decode(request.body), let requestData = fields["RequestData"],
            var dataSign = fields["DataSign"]
        else {
            throw VerificationFailure("missing RequestData or DataSign form field")
        }
        // A '+' of the Base64 signature that some hop left unencoded arrives as a space.
        dataSign = dataSign.replacingOccurrences(of: " ", with: "+")
        let presented = Array(dataSign.utf8)
        for appKey in appKeys where ConstantTime.equals(presented, Array(Self.sign(requestData, appKey: appKey).utf8)) {
            return
        }
        throw VerificationFailure("DataSign does not match RequestData")
    }

    /// The `DataSign` of `requestData` (for tests, mocks and the demo).
    public static func sign(_ requestData: String, appKey: String) -> String {
        let digest = Insecure.MD5.hash(data: Data((requestData + appKey).utf8))
        return Data(Hex.encode(Data(digest)).utf8).base64EncodedString()
    }

    /// A complete signed form body, as Kdniao posts it.
    public static func formBody(requestData: String, appKey: String, requestType: String = "102") -> Data {
        FormURLEncoded.encode([
            "RequestData": requestData, "DataSign": sign(requestData, appKey: appKey), "RequestType": requestType,
        ])
    }
}
