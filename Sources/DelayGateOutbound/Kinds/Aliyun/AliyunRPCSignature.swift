import Crypto
import DelayGateAdapters
import Foundation

/// Alibaba Cloud's RPC request signature, version 1.0 (HMAC-SHA1), used by `SendSms`.
///
/// Parameters other than `Signature` are sorted by name, each name and value percent-encoded
/// (RFC 3986 unreserved characters kept, space as `%20`), joined as `k=v&…`; the string to sign
/// is `METHOD&%2F&` followed by that query, percent-encoded once more; the signature is the
/// Base64 HMAC-SHA1 of it under the AccessKey secret followed by `&`.
public enum AliyunRPCSignature {
    public static func sign(_ parameters: [(String, String)], method: String, secret: String) -> String {
        let canonical = parameters.filter { $0.0 != "Signature" }
            .map { (encode($0.0), encode($0.1)) }
            .sorted { $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let stringToSign = "\(method.uppercased())&\(encode("/"))&\(encode(canonical))"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(stringToSign.utf8), using: SymmetricKey(data: Data((secret + "&").utf8)))
        return Data(mac).base64EncodedString()
    }

    /// RFC 3986 percent-encoding as Alibaba Cloud specifies it.
    public static func encode(_ text: String) -> String {
        FormURLEncoded.percentEncode(text)
    }

    /// `yyyy-MM-dd'T'HH:mm:ss'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day()
            .timeSeparator(.colon).time(includingFractionalSeconds: false).dateTimeSeparator(.standard)
            .format(date)
    }
}
