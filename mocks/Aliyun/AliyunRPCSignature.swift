import Crypto
import Foundation

/// Alibaba Cloud's RPC-style request signature, version 1.0 (HMAC-SHA1), as used by dysmsapi `SendSms`.
///
/// 1. Take every parameter except `Signature`, percent-encode names and values (`percentEncode`), sort by
///    encoded name and join as `name=value` with `&`: the canonicalized query string.
/// 2. StringToSign = `METHOD` + `&` + `percentEncode("/")` + `&` + `percentEncode(canonicalized query)`.
/// 3. Signature = Base64(HMAC-SHA1(key: AccessKeySecret + "&", StringToSign)).
///
/// The mock verifies with this; tests sign with it. DelayGate's client has its own signer.
public enum AliyunRPCSignature {
    /// RFC 3986 percent-encoding of the UTF-8 bytes: `A–Z a–z 0–9 - _ . ~` stay, everything else
    /// (space, `*`, `/`, `+`, `=` …) becomes `%XX` with upper-case hex.
    public static func percentEncode(_ text: String) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }

    /// The canonicalized query string of every parameter but `Signature`.
    public static func canonicalQuery(_ parameters: [String: String]) -> String {
        parameters.filter { $0.key != "Signature" }
            .map { (name: percentEncode($0.key), value: percentEncode($0.value)) }
            .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
    }

    /// `METHOD&%2F&` + the percent-encoded canonicalized query string.
    public static func stringToSign(method: String, parameters: [String: String]) -> String {
        method.uppercased() + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery(parameters))
    }

    /// Base64 of HMAC-SHA1 over the string to sign, keyed with `accessKeySecret + "&"`.
    public static func signature(method: String, parameters: [String: String], accessKeySecret: String) -> String {
        let key = SymmetricKey(data: Data((accessKeySecret + "&").utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(stringToSign(method: method, parameters: parameters).utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// `parameters` with `Signature` added.
    public static func signed(method: String, parameters: [String: String], accessKeySecret: String) -> [String: String]
    {
        var parameters = parameters
        parameters["Signature"] = signature(method: method, parameters: parameters, accessKeySecret: accessKeySecret)
        return parameters
    }

    /// `name=value&…` with every name and value percent-encoded: a form body or query string.
    public static func formEncode(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\(percentEncode($0.key))=\(percentEncode($0.value))" }
            .joined(separator: "&")
    }

    /// An Aliyun `Timestamp`: UTC `yyyy-MM-dd'T'HH:mm:ss'Z'`.
    public static func timestamp(_ date: Date) -> String { MockFormat.iso8601(date) }
}
