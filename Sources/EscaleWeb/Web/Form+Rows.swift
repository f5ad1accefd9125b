import Foundation

extension Form {
    /// A table of inputs sent as same-named fields (`rule_trigger`, `rule_percent`… once per row): each row's values by
    /// field name, in the page's order, without the rows whose index is ticked in `removed` (checkboxes send only
    /// when ticked, so they name their row instead of lining up with it).
    func rows(_ names: [String], removed: String) -> [[String: String]] {
        let columns = names.map { all($0) }
        let dropped = Set(all(removed).compactMap { Int($0) })
        let count = columns.map(\.count).max() ?? 0
        return (0..<count).filter { !dropped.contains($0) }.map { i in
            Dictionary(uniqueKeysWithValues: zip(names, columns).map { name, values in
                (name, i < values.count ? values[i].trimmingCharacters(in: .whitespacesAndNewlines) : "")
            })
        }
    }
}
