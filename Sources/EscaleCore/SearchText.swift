import Foundation

/// Turns French and English text into search terms: case and accents folded, elisions and stop words dropped,
/// plurals reduced (light stemming). Documents and queries go through the same function, so `réseau`, `reseau`,
/// `RÉSEAU` and `réseaux` all meet, whichever database stores the index.
public enum SearchText {
    /// The terms of a text, in order, stop words removed.
    public static func terms(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        func flush() {
            defer { current = "" }
            guard !current.isEmpty, !stopWords.contains(current) else { return }
            let term = stem(current)
            if !term.isEmpty { out.append(term) }
        }
        for scalar in fold(text).unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    /// The indexed form of a document: its terms separated by spaces (what FTS5 and `to_tsvector('simple', …)` read).
    public static func document(_ parts: String...) -> String {
        parts.flatMap(terms).joined(separator: " ")
    }

    /// Lowercases and strips diacritics; ligatures become two letters.
    static func fold(_ text: String) -> String {
        var s = text.lowercased()
        if s.contains("œ") { s = s.replacingOccurrences(of: "œ", with: "oe") }
        if s.contains("æ") { s = s.replacingOccurrences(of: "æ", with: "ae") }
        if s.contains("ß") { s = s.replacingOccurrences(of: "ß", with: "ss") }
        guard s.unicodeScalars.contains(where: { !$0.isASCII }) else { return s }
        // Decompose, then drop the combining marks (é = e + ◌́).
        var folded = String.UnicodeScalarView()
        for scalar in s.decomposedStringWithCanonicalMapping.unicodeScalars
        where !(0x0300...0x036F).contains(scalar.value) {
            folded.append(scalar)
        }
        return String(folded)
    }

    /// Light stemming for French and English: plurals and the -y/-ie spelling both languages share
    /// (battery/batterie, copy/copie). Deliberately conservative: it never merges unrelated words.
    static func stem(_ word: String) -> String {
        var w = word
        guard w.count > 3, w.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic }) else { return w }
        if w.hasSuffix("eaux") { w.removeLast() }                       // réseaux → reseau
        else if w.hasSuffix("aux"), w.count > 4 { w.removeLast(2); w += "l" }  // journaux → journal
        else if w.hasSuffix("ies"), w.count > 4 { w.removeLast() }        // batteries → batterie
        else if w.hasSuffix("s"), !w.hasSuffix("ss") { w.removeLast() }   // imprimantes → imprimante
        if w.hasSuffix("y"), w.count > 3,
           let before = w.dropLast().last, !"aeiouy".contains(before) {
            w.removeLast(); w += "ie"                                     // battery → batterie
        }
        return w
    }

    static let stopWords: Set<String> = [
        // French
        "le", "la", "les", "l", "un", "une", "des", "de", "du", "d", "et", "ou", "a", "au", "aux", "en", "dans",
        "sur", "pour", "par", "avec", "sans", "ce", "ces", "cet", "cette", "je", "j", "tu", "il", "elle", "on",
        "nous", "vous", "ils", "elles", "ne", "n", "pas", "plus", "se", "s", "qu", "que", "qui", "mon", "ma",
        "mes", "son", "sa", "ses", "est", "sont", "y", "c", "m", "t",
        // English
        "the", "an", "and", "or", "of", "to", "in", "on", "for", "with", "without", "is", "are", "was", "be",
        "it", "its", "this", "that", "my", "i", "we", "you", "not", "no", "at", "by", "as", "from",
    ]
}
