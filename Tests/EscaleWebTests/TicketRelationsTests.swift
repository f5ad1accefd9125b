import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import FluentKit
import Foundation
import HTTPTypes
import Testing

@Suite("Links, merges, watchers and tags between tickets")
struct TicketRelationsTests {
    static func timeline(_ api: API, _ id: UUID, token: String) async throws -> [EventDTO] {
        try await api.get("/api/v1/tickets/\(id)/timeline", token: token).json(Page<EventDTO>.self).items
    }

    static func links(_ api: API, _ id: UUID, token: String) async throws -> [TicketLinkDTO] {
        let r = try await api.get("/api/v1/tickets/\(id)/links", token: token)
        try #require(r.status == .ok, "\(r.text)")
        return try r.json(Page<TicketLinkDTO>.self).items
    }

    @Test("a link is seen from both tickets and written on both timelines; unlinking says so on both too")
    func linkBothWays() async throws {
        try await TestApp.run { api in
            // Given two tickets of Acme
            let w = try await World.make(api)
            let a = try await w.aliceTicket("Imprimante en panne")
            let b = try await w.aliceTicket("Imprimante du 3e aussi")

            // When an agent marks B as a duplicate of A
            let link: TicketLinkDTO = try await api.create("/api/v1/tickets/\(b.id)/links", token: w.agent1Token,
                                                           TicketLinkInput(kind: .duplicateOf, ticketId: a.id))

            // Then each ticket sees the other, with the kind read from its side, and both timelines say so
            #expect(link.kind == .duplicateOf && link.ticketId == a.id && link.number == a.number)
            #expect(try await Self.links(api, b.id, token: w.agent1Token).map(\.kind) == [.duplicateOf])
            let fromA = try await Self.links(api, a.id, token: w.agent1Token)
            #expect(fromA.map(\.kind) == [.duplicatedBy] && fromA.first?.ticketId == b.id && fromA.first?.id == link.id)
            let onA = try await Self.timeline(api, a.id, token: w.agent1Token).filter { $0.kind == .linked }
            let onB = try await Self.timeline(api, b.id, token: w.agent1Token).filter { $0.kind == .linked }
            #expect(onA.map(\.field) == ["duplicated_by"] && onA.first?.newValue == b.number && onA.first?.isPublic == false)
            #expect(onB.map(\.field) == ["duplicate_of"] && onB.first?.newValue == a.number)

            // When it is removed from A's side
            let gone = try await api.send(.delete, "/api/v1/tickets/\(a.id)/links/\(link.id)", token: w.agent1Token)

            // Then neither sees it and both timelines record it
            #expect(gone.status == .noContent)
            #expect(try await Self.links(api, a.id, token: w.agent1Token).isEmpty)
            #expect(try await Self.links(api, b.id, token: w.agent1Token).isEmpty)
            #expect(try await Self.timeline(api, a.id, token: w.agent1Token).contains { $0.kind == .unlinked && $0.oldValue == b.number })
            #expect(try await Self.timeline(api, b.id, token: w.agent1Token).contains { $0.kind == .unlinked && $0.oldValue == a.number })
        }
    }

    @Test("no self-link, no second link between the same tickets, no parent cycle; requesters may not link")
    func refusals() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let a = try await w.aliceTicket("A"), b = try await w.aliceTicket("B"), c = try await w.aliceTicket("C"), d = try await w.aliceTicket("D")
            func link(_ from: TicketDTO, _ kind: TicketLinkKind, _ to: TicketDTO, token: String? = nil) async throws -> API.Reply {
                try await api.post("/api/v1/tickets/\(from.id)/links", token: token ?? w.agent1Token, TicketLinkInput(kind: kind, ticketId: to.id))
            }

            #expect(try await link(a, .related, a).status == .unprocessableContent)
            #expect(try await link(a, .related, d).status == .created)
            #expect(try await link(d, .related, a).status == .conflict)
            #expect(try await link(a, .duplicateOf, d).status == .conflict)
            // A is B's parent, B is C's parent: C cannot become A's parent.
            #expect(try await link(b, .parent, a).status == .created)
            #expect(try await link(c, .parent, b).status == .created)
            #expect(try await link(a, .parent, c).status == .unprocessableContent)
            #expect(try await link(c, .child, a).status == .unprocessableContent)
            // Nor through parent_id.
            let current = try await api.get("/api/v1/tickets/\(a.id)", token: w.agent1Token)
            var patch = TicketPatch(); patch.parentId = .some(c.id)
            let cycle = try await api.send(.patch, "/api/v1/tickets/\(a.id)", token: w.agent1Token, headers: [.ifMatch: current.headers[.eTag]!], json: patch)
            #expect(cycle.status == .unprocessableContent, "\(cycle.text)")
            // A requester may read links but not make them.
            #expect(try await link(c, .related, a, token: w.aliceToken).status == .forbidden)
        }
    }

    @Test("a parent link and parent_id are one and the same")
    func parentIdBacksTheLink() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let parent = try await w.aliceTicket("Panne générale"), child = try await w.aliceTicket("Mon poste")

            // A parent link sets parent_id…
            let link: TicketLinkDTO = try await api.create("/api/v1/tickets/\(parent.id)/links", token: w.agent1Token,
                                                           TicketLinkInput(kind: .child, ticketId: child.id))
            #expect(try await api.get("/api/v1/tickets/\(child.id)", token: w.agent1Token).json(TicketDTO.self).parentId == parent.id)
            #expect(try await Self.links(api, child.id, token: w.agent1Token).map(\.kind) == [.parent])
            // …and removing it clears parent_id.
            #expect(try await api.send(.delete, "/api/v1/tickets/\(child.id)/links/\(link.id)", token: w.agent1Token).status == .noContent)
            let cleared = try await api.get("/api/v1/tickets/\(child.id)", token: w.agent1Token)
            #expect(try cleared.json(TicketDTO.self).parentId == nil)

            // PATCH parent_id makes the link.
            var patch = TicketPatch(); patch.parentId = .some(parent.id)
            let r = try await api.send(.patch, "/api/v1/tickets/\(child.id)", token: w.agent1Token, headers: [.ifMatch: cleared.headers[.eTag]!], json: patch)
            #expect(r.status == .ok, "\(r.text)")
            #expect(try await Self.links(api, parent.id, token: w.agent1Token).map(\.kind) == [.child])
        }
    }

    @Test("a requester sees links only to tickets they can see: never another ticket's number or subject")
    func requesterScope() async throws {
        try await TestApp.run { api in
            // Given Alice's ticket linked to Bob's (same organization, not hers) and to another of hers
            let w = try await World.make(api)
            let mine = try await w.aliceTicket("Mon poste"), also = try await w.aliceTicket("Mon écran")
            let bobs: TicketDTO = try await api.create("/api/v1/tickets", token: w.bobToken,
                                                       TicketInput(subject: "Salaire de Bob", description: "", impact: .low, urgency: .low))
            _ = try await api.create("/api/v1/tickets/\(mine.id)/links", token: w.agent1Token, TicketLinkInput(kind: .related, ticketId: bobs.id), as: TicketLinkDTO.self)
            _ = try await api.create("/api/v1/tickets/\(mine.id)/links", token: w.agent1Token, TicketLinkInput(kind: .related, ticketId: also.id), as: TicketLinkDTO.self)

            // When Alice reads her ticket's links and timeline
            let r = try await api.get("/api/v1/tickets/\(mine.id)/links", token: w.aliceToken)
            let timeline = try await api.get("/api/v1/tickets/\(mine.id)/timeline", token: w.aliceToken)

            // Then only her own ticket shows, and nothing names Bob's
            #expect(try r.json(Page<TicketLinkDTO>.self).items.map(\.ticketId) == [also.id])
            for reply in [r, timeline] {
                #expect(!reply.text.contains(bobs.number) && !reply.text.contains("Salaire") && !reply.text.contains(bobs.id.uuidString))
            }
            // And Bob's ticket's links answer like a missing ticket
            #expect(try await api.get("/api/v1/tickets/\(bobs.id)/links", token: w.aliceToken).status == .notFound)
        }
    }

    static func etag(_ api: API, _ id: UUID, token: String) async throws -> String {
        try #require(try await api.get("/api/v1/tickets/\(id)", token: token).headers[.eTag])
    }

    @Test("a merge closes the ticket pointing to the target, keeps its timeline, tells the target and makes its requester a watcher")
    func merge() async throws {
        try await TestApp.run { api in
            // Given Alice's ticket with a reply and a note, and Bob's ticket about the same thing
            let w = try await World.make(api)
            let source = try await w.aliceTicket("Wifi coupé au 2e")
            let target: TicketDTO = try await api.create("/api/v1/tickets", token: w.bobToken,
                                                         TicketInput(subject: "Plus de wifi", description: "", impact: .high, urgency: .high))
            _ = try await api.create("/api/v1/tickets/\(source.id)/comments", token: w.agent1Token, CommentInput(body: "On regarde", isPublic: true), as: EventDTO.self)
            _ = try await api.create("/api/v1/tickets/\(source.id)/comments", token: w.agent1Token, CommentInput(body: "Borne 4 ?", isPublic: false), as: EventDTO.self)
            let before = try await Self.timeline(api, source.id, token: w.agent1Token)

            // When an agent merges it into Bob's
            let r = try await api.post("/api/v1/tickets/\(source.id)/merge", token: w.agent1Token, MergeInput(into: target.id),
                                       headers: [.ifMatch: try await Self.etag(api, source.id, token: w.agent1Token)])

            // Then the source is closed with a public pointer, and nothing of its timeline moved
            #expect(r.status == .ok, "\(r.text)")
            #expect(try r.json(TicketDTO.self).status == .closed)
            let after = try await Self.timeline(api, source.id, token: w.agent1Token)
            #expect(Array(after.prefix(before.count)).map(\.id) == before.map(\.id))
            #expect(after.contains { $0.body == "On regarde" } && after.contains { $0.body == "Borne 4 ?" })
            let seenByAlice = try await Self.timeline(api, source.id, token: w.aliceToken)
            #expect(seenByAlice.contains { $0.kind == .merged && $0.isPublic && $0.newValue == target.number })
            #expect(try await Self.links(api, source.id, token: w.agent1Token).map(\.kind) == [.duplicateOf])
            // The target has an internal entry naming the source, and Alice now watches it
            let onTarget = try await Self.timeline(api, target.id, token: w.agent1Token).filter { $0.kind == .merged }
            #expect(onTarget.count == 1 && onTarget[0].isPublic == false && onTarget[0].newValue == source.number)
            #expect(try await Self.timeline(api, target.id, token: w.bobToken).allSatisfy { $0.kind != .merged })
            let watchers = try await api.get("/api/v1/tickets/\(target.id)/watchers", token: w.agent1Token).json(Page<WatcherDTO>.self).items
            #expect(watchers.map(\.userId).contains(w.alice.id))
            // so she hears of the target's public replies
            _ = try await api.create("/api/v1/tickets/\(target.id)/comments", token: w.agent1Token, CommentInput(body: "Borne remplacée", isPublic: true), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()
            #expect(try await MailOutboxModel.query(on: api.desk.store.database).filter(\.$kind == "watched").all().contains { $0.toAddress == w.alice.email && $0.textBody.contains(target.number) })
            // Replying to the merged ticket is refused, naming the target
            for token in [w.aliceToken, w.agent1Token] {
                let reply = try await api.post("/api/v1/tickets/\(source.id)/comments", token: token, CommentInput(body: "Toujours en panne", isPublic: true))
                #expect(reply.status == .unprocessableContent)
                #expect(reply.problem?.detail.contains(target.number) == true, "\(reply.text)")
            }
        }
    }

    @Test("a merge needs the current If-Match, two tickets of the same organization, and staff")
    func mergeRefusals() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let source = try await w.aliceTicket("A"), target = try await w.aliceTicket("B")
            let globex: TicketDTO = try await api.create("/api/v1/tickets", token: w.eveToken,
                                                         TicketInput(subject: "Globex", description: "", impact: .low, urgency: .low))
            let etag = try await Self.etag(api, source.id, token: w.agent1Token)
            func merge(into: UUID, token: String? = nil, etag: String) async throws -> API.Reply {
                try await api.post("/api/v1/tickets/\(source.id)/merge", token: token ?? w.agent1Token, MergeInput(into: into), headers: [.ifMatch: etag])
            }

            #expect(try await merge(into: target.id, etag: "\"v0\"").status == .preconditionFailed)
            #expect(try await api.post("/api/v1/tickets/\(source.id)/merge", token: w.agent1Token, MergeInput(into: target.id)).status == .preconditionRequired)
            #expect(try await merge(into: globex.id, etag: etag).status == .unprocessableContent)
            #expect(try await merge(into: source.id, etag: etag).status == .unprocessableContent)
            #expect(try await merge(into: target.id, token: w.aliceToken, etag: etag).status == .forbidden)
            // Nothing happened.
            #expect(try await api.get("/api/v1/tickets/\(source.id)", token: w.agent1Token).json(TicketDTO.self).status == .new)
        }
    }

    @Test("a watcher hears of public replies and status changes by others, through the notification outbox")
    func watchers() async throws {
        try await TestApp.run { api in
            // Given agent2 following Alice's ticket
            let w = try await World.make(api)
            let t = try await w.aliceTicket("Scanner HS")
            let followed = try await api.send(.post, "/api/v1/tickets/\(t.id)/watchers/me", token: w.agent2Token)
            #expect(followed.status == .ok, "\(followed.text)")
            #expect(try followed.json(Page<WatcherDTO>.self).items.map(\.userId) == [w.agent2.id])

            // When agent2 replies (their own doing), then Alice replies
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.agent2Token, CommentInput(body: "Je regarde", isPublic: true), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()
            #expect(try await MailOutboxModel.query(on: api.desk.store.database).filter(\.$kind == "watched").count() == 0)
            _ = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.aliceToken, CommentInput(body: "Merci", isPublic: true), as: EventDTO.self)
            _ = try await api.desk.drainDueJobs()

            // Then agent2 (no contact method: their account's address) is told of Alice's reply
            let mails = try await MailOutboxModel.query(on: api.desk.store.database).filter(\.$kind == "watched").all()
            #expect(mails.map(\.toAddress) == ["agent2@desk.example"])
            #expect(mails.first?.textBody.contains(t.number) == true || mails.first?.subject.contains(t.number) == true)

            // When agent2 stops following, and agent1 makes agent2 follow again; a requester cannot be added
            #expect(try await api.send(.delete, "/api/v1/tickets/\(t.id)/watchers/me", token: w.agent2Token).status == .noContent)
            #expect(try await api.get("/api/v1/tickets/\(t.id)/watchers", token: w.agent1Token).json(Page<WatcherDTO>.self).items.isEmpty)
            #expect(try await api.post("/api/v1/tickets/\(t.id)/watchers", token: w.agent1Token, WatcherInput(userId: w.agent2.id)).status == .ok)
            #expect(try await api.post("/api/v1/tickets/\(t.id)/watchers", token: w.agent1Token, WatcherInput(userId: w.bob.id)).status == .unprocessableContent)
            // A status change by someone else is told too
            let etag = try await Self.etag(api, t.id, token: w.agent1Token)
            var patch = TicketPatch(); patch.status = .inProgress
            #expect(try await api.send(.patch, "/api/v1/tickets/\(t.id)", token: w.agent1Token, headers: [.ifMatch: etag], json: patch).status == .ok)
            _ = try await api.desk.drainDueJobs()
            let told = try await MailOutboxModel.query(on: api.desk.store.database).filter(\.$kind == "watched").all().filter { $0.toAddress == "agent2@desk.example" }
            #expect(told.count == 2 && told.contains { $0.textBody.contains("in_progress") })
            #expect(try await api.get("/api/v1/tickets/\(t.id)/watchers", token: w.aliceToken).status == .forbidden)
            #expect(try await api.send(.post, "/api/v1/tickets/\(t.id)/watchers/me", token: w.aliceToken).status == .forbidden)
        }
    }

    @Test("the ticket page follows and unfollows, adds and removes tags, links, unlinks and merges; the request page points to the target")
    func throughThePage() async throws {
        try await TestApp.run { api in
            // Given two of Alice's tickets and an agent on the first one's page
            let w = try await World.make(api)
            let a = try await w.aliceTicket("Imprimante HS"), b = try await w.aliceTicket("Imprimante toujours HS")
            let sa = try #require(TicketNumber.parse(a.number))
            let agent = Browser(api)
            try await agent.signIn(w.agent1.email, World.password)
            func act(_ path: String, _ fields: [(String, String)] = []) async throws -> Browser.Page {
                let page = try await agent.get("/tickets/\(sa)")
                #expect(page.status == .ok && !page.contains("⟦"), "\(page.html.prefix(300))")
                return try await agent.post("/tickets/\(sa)\(path)", fields)
            }
            func watchers() async throws -> [UUID] {
                try await api.get("/api/v1/tickets/\(a.id)/watchers", token: w.agent1Token).json(Page<WatcherDTO>.self).items.map(\.userId)
            }
            func ticket() async throws -> TicketDTO { try await api.get("/api/v1/tickets/\(a.id)", token: w.agent1Token).json(TicketDTO.self) }

            // Follow, then unfollow
            #expect(try await act("/follow").location == "/tickets/\(sa)?done=followed")
            #expect(try await watchers() == [w.agent1.id])
            #expect(try await agent.get("/tickets/\(sa)").contains("Ne plus suivre"))
            #expect(try await act("/unfollow").location == "/tickets/\(sa)?done=unfollowed")
            #expect(try await watchers().isEmpty)

            // Tags: added, shown, removed
            #expect(try await act("/tags", [("tag", "Imprimante")]).location == "/tickets/\(sa)?done=tags_saved")
            #expect(try await act("/tags", [("tag", "urgent")]).location == "/tickets/\(sa)?done=tags_saved")
            #expect(try await ticket().tags == ["imprimante", "urgent"])
            #expect(try await agent.get("/tickets/\(sa)").contains(#"<span class="tag">urgent</span>"#))
            #expect(try await act("/tags/remove", [("tag", "imprimante")]).location == "/tickets/\(sa)?done=tags_saved")
            #expect(try await ticket().tags == ["urgent"])

            // Link to B by its number, refuse a self-link, unlink
            #expect(try await act("/links", [("kind", "related"), ("number", b.number)]).location == "/tickets/\(sa)?done=linked")
            let link = try #require(try await Self.links(api, a.id, token: w.agent1Token).first)
            #expect(link.ticketId == b.id && link.kind == .related)
            #expect(try await agent.get("/tickets/\(sa)").contains(b.number))
            let selfLink = try await act("/links", [("kind", "related"), ("number", a.number)])
            #expect(selfLink.location?.contains("draft=") == true)
            #expect(try await act("/links/\(link.id)/delete").location == "/tickets/\(sa)?done=unlinked")
            #expect(try await Self.links(api, a.id, token: w.agent1Token).isEmpty)

            // Merge into B: the page points to B, and so does Alice's request page; her reply is refused
            #expect(try await act("/merge", [("number", b.number)]).location == "/tickets/\(sa)?done=merged")
            #expect(try await ticket().status == .closed)
            let merged = try await agent.get("/tickets/\(sa)")
            #expect(merged.contains("Fusionné dans") && merged.contains(b.number))
            let alice = Browser(api)
            try await alice.signIn(w.alice.email, World.password)
            let request = try await alice.get("/tickets/\(sa)")
            #expect(request.contains("Cette demande a été fusionnée dans la demande") && request.contains(b.number) && !request.contains("⟦"))
            let refused = try await agent.post("/tickets/\(sa)/comments", [("visibility", "public"), ("body", "Encore ?")])
            #expect(refused.location?.contains("draft=") == true)
            #expect(try await agent.follow(refused).contains("fusionné dans un autre"))
        }
    }

    @Test("links and watchers are serialised as documented")
    func wireFormat() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let a = try await w.aliceTicket("A"), b = try await w.aliceTicket("B")
            let doc = try JSONSerialization.jsonObject(with: Data(try await api.get("/api/v1/openapi.json", token: nil).body.readableBytesView)) as! [String: Any]
            let schemas = (doc["components"] as! [String: Any])["schemas"] as! [String: Any]

            let link = try await api.post("/api/v1/tickets/\(a.id)/links", token: w.agent1Token, TicketLinkInput(kind: .parent, ticketId: b.id))
            WireFormatTests.check(link.object, against: "TicketLink", in: schemas)
            let follow = try await api.send(.post, "/api/v1/tickets/\(a.id)/watchers/me", token: w.agent1Token)
            for watcher in follow.object["items"] as! [[String: Any]] { WireFormatTests.check(watcher, against: "Watcher", in: schemas) }
            let events = try await api.get("/api/v1/tickets/\(a.id)/timeline", token: w.agent1Token).object["items"] as! [[String: Any]]
            let kinds = ((schemas["EventKind"] as! [String: Any])["enum"] as! [String])
            #expect(events.contains { $0["kind"] as? String == "linked" } && kinds.contains("linked") && kinds.contains("merged"))
        }
    }
}
