import Foundation

/// Turns JSON decoding errors into short messages for senders: `events[2].time: expected a string`.
enum JSONPayloadError {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "malformed JSON" + underlyingDetail(context)
            }
            return path(context.codingPath) + ": " + context.debugDescription
        case .keyNotFound(let key, let context):
            return path(context.codingPath + [key]) + ": required field is missing"
        case .typeMismatch(let type, let context):
            return path(context.codingPath) + ": expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return path(context.codingPath) + ": expected \(typeName(type)), found null"
        @unknown default:
            return "\(error)"
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "body" : text
    }

    private static func underlyingDetail(_ context: DecodingError.Context) -> String {
        guard let underlying = context.underlyingError else { return "" }
        let text = (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(underlying)"
        return ": " + text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
