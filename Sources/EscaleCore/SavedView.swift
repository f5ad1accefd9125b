import Foundation

/// A queue with its filters and sort, saved under a name: personal, or shared with every agent.
public enum SavedView {
    /// The filters a view may keep (those of the queue form); anything else in a URL is dropped.
    public static let keys = ["assignee", "category", "organization", "priority", "sort", "status", "tier"]
    public static let nameLength = 1...60
    /// Views shown in one person's navigation.
    public static let maxPerPerson = 20

    /// The query a view keeps: known keys only, non-empty values of sane length, in a stable order — so the same
    /// filters make the same view and a view's link cannot carry anything else.
    public static func canonicalQuery(_ params: [String: String]) -> String {
        keys.compactMap { k in
            guard let v = params[k]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty, v.count <= 64,
                  v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
            return "\(k)=\(v)"
        }.joined(separator: "&")
    }

    public static func parse(_ query: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2, keys.contains(kv[0]) { out[kv[0]] = kv[1] }
        }
        return out
    }

    public static func validName(_ s: String) throws -> String {
        let v = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard nameLength.contains(v.count) else {
            throw DomainError.invalid(field: "name", v.isEmpty ? "a view needs a name" : "at most \(nameLength.upperBound) characters")
        }
        return v
    }
}
