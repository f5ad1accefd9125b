import EscaleAPI
import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird

/// The ticket page's side panel for what ties a ticket to others and to people: links, merge, followers, tags.
struct TicketRelationsView {
    struct Link {
        let id: String
        let kind: String
        let number: String
        let seq: Int
        let subject: String
        let status: String
    }

    let links: [Link]
    let hasLinks: Bool
    let kindOptions: [Option]
    let watching: Bool
    /// Who follows, by name (nil when nobody does).
    let watchers: String?
    /// Addresses copied on the ticket's mail that are not users (they get its public replies), or nil.
    let mailCopies: String?
    let tags: [String]
    let hasTags: Bool
    /// The ticket this one was merged into (a merged ticket is closed and takes no more replies).
    let mergedInto: Link?
    let canMerge: Bool

    static func make(_ ticket: Ticket, actor: Actor, desk: Desk, l: Localizer) async throws -> TicketRelationsView {
        let links = try await desk.links(of: ticket.id, by: actor).map {
            Link(id: $0.id.uuidString, kind: l.t("link_kind_\($0.kind.rawValue)"), number: $0.number, seq: TicketNumber.parse($0.number) ?? 0,
                 subject: $0.subject, status: l.t("status_\($0.status.rawValue)"))
        }
        let merged = try await desk.mergedInto(ticket).flatMap { number in links.first { $0.number == number } }
        let watchers = try await desk.watchers(of: ticket.id, by: actor)
        let copies = try await desk.mailboxes.copies(of: ticket.id, by: actor)
        return TicketRelationsView(
            links: links, hasLinks: !links.isEmpty,
            kindOptions: [TicketLinkKind.related, .parent, .child, .duplicateOf].map { Option(value: $0.rawValue, label: l.t("link_kind_\($0.rawValue)"), selected: false) },
            watching: watchers.contains { $0.userId == actor.userId }, watchers: watchers.isEmpty ? nil : watchers.map(\.name).joined(separator: ", "),
            mailCopies: copies.isEmpty ? nil : copies.map { c in c.name.map { "\($0) <\(c.address)>" } ?? c.address }.joined(separator: ", "),
            tags: ticket.tags, hasTags: !ticket.tags.isEmpty, mergedInto: merged, canMerge: ticket.status != .closed)
    }

    /// What a requester's page says of a merged ticket: the number it was merged into (theirs to see or not).
    static func mergedInto(_ ticket: Ticket, desk: Desk) async throws -> String? {
        try await desk.mergedInto(ticket)
    }
}

/// The side panel's actions. Each goes through the ticket page's `act` (CSRF, refusals kept, redirect with `?done=`).
struct TicketRelationPages {
    let desk: Desk
    let views: Views

    var pages: TicketPages { TicketPages(desk: desk, views: views) }

    func register(on router: RouterGroup<EscaleContext>) {
        router.post("/tickets/:seq/links") { request, context in
            try await pages.act(request, context) { form, s, ticket in
                let other = try await named(form["number"], field: "number", by: s.actor)
                guard let kind = form["kind"].flatMap(TicketLinkKind.init(rawValue:)) else { throw DomainError.invalid(field: "kind", "choose a kind of link") }
                _ = try await desk.store.write { db in try await desk.link(ticket.id, TicketLinkInput(kind: kind, ticketId: other.id), by: s.actor, on: db) }
                return "linked"
            }
        }
        router.post("/tickets/:seq/links/:link/delete") { request, context in
            guard let link = context.parameters.get("link").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("link") }
            return try await pages.act(request, context) { _, s, ticket in
                try await desk.store.write { db in try await desk.unlink(ticket.id, linkId: link, by: s.actor, on: db) }
                return "unlinked"
            }
        }
        router.post("/tickets/:seq/merge") { request, context in
            try await pages.act(request, context) { form, s, ticket in
                let target = try await named(form["number"], field: "into", by: s.actor)
                _ = try await desk.store.write { db in
                    try await desk.merge(ticket.id, into: target.id, expectedVersion: ticket.version, by: s.actor, on: db)
                }
                return "merged"
            }
        }
        router.post("/tickets/:seq/follow") { request, context in
            try await pages.act(request, context) { _, s, ticket in
                _ = try await desk.store.write { db in try await desk.watch(ticket.id, userId: s.actor.userId, by: s.actor, on: db) }
                return "followed"
            }
        }
        router.post("/tickets/:seq/unfollow") { request, context in
            try await pages.act(request, context) { _, s, ticket in
                try await desk.store.write { db in try await desk.unwatch(ticket.id, by: s.actor, on: db) }
                return "unfollowed"
            }
        }
        router.post("/tickets/:seq/tags") { request, context in
            try await pages.act(request, context) { form, s, ticket in
                let tag = (form["tag"] ?? "").trimmingCharacters(in: .whitespaces)
                guard !tag.isEmpty else { throw DomainError.invalid(field: "tags", "type a tag") }
                return try await setTags(ticket.tags.contains(tag) ? ticket.tags : ticket.tags + [tag], of: ticket, by: s.actor)
            }
        }
        router.post("/tickets/:seq/tags/remove") { request, context in
            try await pages.act(request, context) { form, s, ticket in
                try await setTags(ticket.tags.filter { $0 != form["tag"] }, of: ticket, by: s.actor)
            }
        }
    }

    private func setTags(_ tags: [String], of ticket: Ticket, by actor: Actor) async throws -> String {
        var patch = TicketPatch()
        patch.tags = tags
        let change = patch
        _ = try await desk.store.write { db in try await desk.updateTicket(ticket.id, change, expectedVersion: ticket.version, by: actor, on: db) }
        return "tags_saved"
    }

    /// A ticket typed by number (`ESC-000042` or `42`); one the person may not see is unknown, like a missing one.
    private func named(_ text: String?, field: String, by actor: Actor) async throws -> Ticket {
        guard let seq = text.flatMap({ TicketNumber.parse($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw DomainError.invalid(field: field, "type a ticket number, such as ESC-000042")
        }
        do { return try await desk.ticket(number: seq, by: actor) } catch DomainError.notFound {
            throw DomainError.invalid(field: field, "unknown ticket")
        }
    }
}
