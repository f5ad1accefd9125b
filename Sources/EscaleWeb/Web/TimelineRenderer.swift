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
