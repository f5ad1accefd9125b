import Foundation
import Mustache
import Synchronization

/// Renders timeline entries through `timeline_entry.mustache`, keeping each fragment: an entry never changes once
/// written, so its HTML depends only on what the key names (the reader's language and time zone, and the names it
/// shows). Markdown is rendered only on a miss.
struct TimelineRenderer: Sendable {
    struct Rendered: MustacheParent {
        let html: String
        func child(named name: String) -> Any? { name == "html" ? html : nil }
    }

    private struct Model: MustacheParent {
        let entry: TimelineEntry
        let t: [String: String]
        func child(named name: String) -> Any? {
            switch name {
            case "entry": entry
            case "t": t
            default: nil
            }
        }
    }

    let views: Views
    private static let cache = Mutex<[String: String]>([:])
    private static let limit = 20_000

    func render(_ entries: [TimelineEntry], _ l: Localizer) -> [Rendered] {
        entries.map { e in
            let key = "\(e.id)|\(l.lang)|\(l.timeZone.identifier)|\(e.actor)|\(e.summary)|\(e.attachments.count)"
            if let hit = Self.cache.withLock({ $0[key] }) { return Rendered(html: hit) }
            let html = views.render("timeline_entry", Model(entry: e, t: l.strings))
            Self.cache.withLock { c in
                if c.count >= Self.limit { c.removeAll(keepingCapacity: true) }
                c[key] = html
            }
            return Rendered(html: html)
        }
    }
}

/// A ticket's timeline as the page shows it: oldest first (or newest first on request), the latest entries open and
/// older ones folded behind one "show older" control, so a long story stays readable. Works without script.
struct TimelineView: MustacheParent {
    /// Entries shown unfolded; older ones are folded.
    static let shown = 20

    let recent: [TimelineRenderer.Rendered]
    let older: [TimelineRenderer.Rendered]
    let olderLabel: String
    let newestFirst: Bool
    /// Link that turns the order around (the same page, the other order).
    let otherOrder: String
    let otherOrderLabel: String

    init(_ rendered: [TimelineRenderer.Rendered], newestFirst: Bool, path: String, _ l: Localizer) {
        let split = max(0, rendered.count - Self.shown)
        let older = Array(rendered.prefix(split)), recent = Array(rendered.dropFirst(split))
        self.older = newestFirst ? older.reversed() : older
        self.recent = newestFirst ? recent.reversed() : recent
        olderLabel = l.count("timeline_older", older.count)
        self.newestFirst = newestFirst
        otherOrder = path + (newestFirst ? "?order=oldest" : "?order=newest") + "#timeline"
        otherOrderLabel = l.t(newestFirst ? "timeline_oldest_first" : "timeline_newest_first")
    }

    func child(named name: String) -> Any? {
        switch name {
        case "recent": recent
        case "older": older
        case "hasOlder": !older.isEmpty
        case "olderLabel": olderLabel
        case "newestFirst": newestFirst
        case "otherOrder": otherOrder
        case "otherOrderLabel": otherOrderLabel
        default: nil
        }
    }
}
