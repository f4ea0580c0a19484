/// Masks what looks like a phone number (a run of 7 or more digits, with an optional leading
/// `+`, spaces or dashes inside) down to its last four digits, so receivers' error messages that
/// quote the number can go to logs and the CLI.
public enum Redaction {
    public static func maskingPhoneNumbers(_ text: String) -> String {
        var output = ""
        var run: [Character] = []
        var digits = 0
        func flush() {
            if digits >= 7 {
                var remaining = digits
                for character in run {
                    if character.isASCIIDigit {
                        output.append(remaining > 4 ? "*" : character)
                        remaining -= 1
                    } else {
                        output.append(character)
                    }
                }
            } else {
                output.append(contentsOf: run)
            }
            run.removeAll(keepingCapacity: true)
            digits = 0
        }
        for character in text {
            if character.isASCIIDigit {
                run.append(character)
                digits += 1
            } else if (character == "+" && run.isEmpty) || ((character == " " || character == "-") && digits > 0) {
                run.append(character)
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        return output
    }
}
