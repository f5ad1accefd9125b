import Foundation

/// Phone numbers as people type them, compared in E.164 (`+33123456789`). A number is kept as typed for display;
/// only its E.164 form is matched, so `01 23 45 67 89`, `+33 1 23 45 67 89`, `0033 1 23 45 67 89` and
/// `+33 (0)1 23 45 67 89` are one caller.
public enum PhoneNumber {
    /// The E.164 form, or nil when it is no phone number (a name, `anonymous`, too short or too long).
    /// `countryCode` is the installation's country (33 for France): it completes national numbers (`0…`).
    /// Short internal extensions (2 to 6 digits, no prefix) are kept as they are, without a `+`.
    public static func e164(_ raw: String, countryCode: Int = 33) -> String? {
        var s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.isEmpty || s.count > 40 { return nil }
        // SIP URIs: the user part is the number.
        for scheme in ["sip:", "sips:", "tel:"] where s.lowercased().hasPrefix(scheme) {
            s = String(s.dropFirst(scheme.count))
            if let at = s.firstIndex(of: "@") { s = String(s[..<at]) }
            if let semi = s.firstIndex(of: ";") { s = String(s[..<semi]) }
        }
        // "+33 (0)1 …": the trunk prefix written in parentheses after the country code is not dialled.
        s = s.replacingOccurrences(of: "(0)", with: "")
        var plus = false
        var digits = ""
        for (i, ch) in s.enumerated() {
            if ch == "+" && i == 0 { plus = true; continue }
            if ch.isASCII, ch.isNumber { digits.append(ch); continue }
            if " .-/()\u{00A0}".contains(ch) { continue }
            return nil
        }
        if !plus && digits.hasPrefix("00") { plus = true; digits.removeFirst(2) }
        if plus {
            guard (8...15).contains(digits.count), !digits.hasPrefix("0") else { return nil }
            return "+" + digits
        }
        if (2...6).contains(digits.count) { return digits }
        let cc = String(countryCode)
        if digits.hasPrefix("0"), digits.count >= 9 {
            let national = digits.dropFirst()
            guard (cc.count + national.count) <= 15 else { return nil }
            return "+" + cc + national
        }
        // Already international without its "+" (PBXes often send 33123456789), or a national number without its 0.
        if digits.hasPrefix(cc), (8...15).contains(digits.count), digits.count > 9 { return "+" + digits }
        if (8...15).contains(digits.count) { return "+" + digits }
        return nil
    }
}
