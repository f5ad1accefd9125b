import EscaleAPI
import EscaleCore
import EscaleDesk
import EscaleStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Tickets: create, read, list, change (with If-Match), comment, escalate, log work, attachments, search.
struct TicketController {
    let desk: Desk
    let runner: CommandRunner

    static func etag(_ t: Ticket) -> String { "\"v\(t.version)\"" }
    static func location(_ t: Ticket) -> String { "/api/v1/tickets/\(t.id.uuidString)" }

    func register(on api: RouterGroup<EscaleContext>) {
        api.post("tickets") { request, context in
            let input = try await JSONBody.decode(TicketInput.self, from: request)
            let prepared = try await desk.prepareTicket(input.value, by: try context.requireActor())
            let response = try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let t = try await desk.createTicket(prepared, by: actor, on: db)
                return try CommandRunner.output(try await desk.dto(t, on: db), location: Self.location(t), etag: Self.etag(t))
            }
            if response.headers[.idempotentReplayed] == nil { Telemetry.ticketsCreated.increment() }
            return response
        }

        api.get("tickets") { request, context in
            let q = Query(request)
            var filter = TicketFilter()
            if request.uri.queryParameters.get("status") == "" { throw APIError.invalidField("status", "is empty: give open or statuses, or leave the parameter out") }
            if let raw = q.string("status") {
                if raw == "open" {
                    filter.openOnly = true
                } else {
                    filter.statuses = try raw.split(separator: ",").map { s in
                        guard let v = TicketStatus(rawValue: String(s)) else {
                            throw APIError.invalidField("status", "unknown value '\(s.prefix(40))'; expected open or one of \(JSONBody.allowedValues["status"]!)")
                        }
                        return v
                    }
                }
            }
            filter.priority = try q.int("priority", in: 1...5).flatMap(Priority.init(rawValue:))
            filter.tier = try q.int("tier", in: 1...3).flatMap(Tier.init(rawValue:))
            filter.groupId = try q.uuid("group_id")
            filter.assigneeId = try q.uuid("assignee_id")
            filter.organizationId = try q.uuid("organization_id")
            filter.requesterId = try q.uuid("requester_id")
            filter.updatedSince = try q.date("updated_since")
            if let c = q.string("channel") {
                guard Channel(rawValue: c) != nil else {
                    throw APIError.invalidField("channel", "unknown value '\(c.prefix(40))'; expected one of \(Channel.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.channel = c
            }
            filter.limit = try q.int("limit", in: 1...200) ?? 50
            filter.beforeSeq = try q.cursor()
            let tickets = try await desk.listTickets(filter, by: try context.requireActor())
            let next = tickets.count == filter.limit ? tickets.last.map { Query.cursor(after: $0.seq) } : nil
            return try JSONBody.response(Page(items: try await desk.dtos(tickets), nextCursor: next))
        }

        api.get("tickets/:id") { request, context in
            let t = try await desk.ticket(try context.uuid("id", "ticket"), by: try context.requireActor())
            if request.headers[.ifNoneMatch] == Self.etag(t) {
                return Response(status: .notModified, headers: [.eTag: Self.etag(t)])
            }
            return try JSONBody.response(try await desk.dto(t), headers: [.eTag: Self.etag(t)])
        }

        api.patch("tickets/:id") { request, context in
            let id = try context.uuid("id", "ticket")
            let actor = try context.requireActor()
            // Existence and visibility first: another tenant's ticket is a 404 whatever the headers say.
            _ = try await desk.ticket(id, by: actor)
            guard let ifMatch = request.headers[.ifMatch] else { throw APIError.preconditionRequired }
            guard let expected = Self.version(fromETag: ifMatch) else {
                throw APIError.invalidField("If-Match", "expected an ETag such as \"v3\" from a previous response")
            }
            let patch = try await JSONBody.decode(TicketPatch.self, from: request).value
            let (t, dto) = try await desk.store.write { db in
                let t = try await desk.updateTicket(id, patch, expectedVersion: expected, by: actor, on: db)
                return (t, try await desk.dto(t, on: db))
            }
            return try JSONBody.response(dto, headers: [.eTag: Self.etag(t)])
        }

        api.post("tickets/:id/comments") { request, context in
            let id = try context.uuid("id", "ticket")
            let input = try await JSONBody.decode(CommentInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let c = try await desk.comment(on: id, input.value, by: actor, on: db)
                return try CommandRunner.output(EventDTO(id: c.id, ticketId: id, event: c.event, attachments: c.attachments.map(Desk.dto)))
            }
        }

        api.get("tickets/:id/timeline") { _, context in
            let events = try await desk.timeline(of: try context.uuid("id", "ticket"), by: try context.requireActor())
            return try JSONBody.response(Page(items: events))
        }

        api.post("tickets/:id/escalate") { request, context in
            let id = try context.uuid("id", "ticket")
            let input = try await JSONBody.decode(EscalateInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let t = try await desk.escalate(id, input.value, by: actor, on: db)
                return try CommandRunner.output(try await desk.dto(t, on: db), status: .ok, etag: Self.etag(t))
            }
        }

        api.post("tickets/:id/worklogs") { request, context in
            let id = try context.uuid("id", "ticket")
            let input = try await JSONBody.decode(WorkLogInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let w = try await desk.logWork(on: id, input.value, by: actor, on: db)
                return try CommandRunner.output(EventDTO(id: w.id, ticketId: id, event: w.event))
            }
        }

        api.get("tickets/:id/worklogs") { _, context in
            let id = try context.uuid("id", "ticket")
            let totals = try await desk.timeSpent(on: id, by: try context.requireActor())
            return try JSONBody.response(WorkSummary(totalMinutes: totals.reduce(0) { $0 + $1.minutes },
                                                     byAgent: totals.map { .init(agentId: $0.agentId, minutes: $0.minutes) }))
        }

        api.post("tickets/:id/attachments") { request, context in
            let id = try context.uuid("id", "ticket")
            let actor = try context.requireActor()
            // Visibility before reading the body: no bytes are stored for a ticket the caller may not see.
            _ = try await desk.ticket(id, by: actor)
            let q = Query(request)
            guard let filename = q.string("filename") ?? Self.filename(fromDisposition: request.headers[.contentDisposition]) else {
                throw APIError.invalidField("filename", "name the file: ?filename=… or Content-Disposition")
            }
            let isPublic = try q.bool("public") ?? true
            let file = try await Upload.receive(request, filename: filename, desk: desk)
            return try await runner.run(request, context: context, bodyFingerprint: CommandRunner.fingerprint(file.sha256, filename, String(isPublic))) { db, actor in
                let a = try await desk.addAttachment(to: id, filename: filename, contentType: file.contentType, sha256: file.sha256, size: file.size,
                                                     isPublic: isPublic, by: actor, on: db)
                return try CommandRunner.output(a, location: "/api/v1/attachments/\(a.id.uuidString)")
            }
        }

        api.get("tickets/:id/attachments") { _, context in
            try JSONBody.response(Page(items: try await desk.attachments(of: try context.uuid("id", "ticket"), by: try context.requireActor())))
        }

        api.get("attachments/:id") { _, context in
            let (a, url) = try await desk.attachment(try context.uuid("id", "attachment"), by: try context.requireActor())
            return try await AttachmentResponse.make(a, url: url, context: context)
        }

        api.get("search") { request, context in
            let q = Query(request)
            guard let text = q.string("q") else { throw APIError.invalidField("q", "give words to search for") }
            guard text.count <= 500 else { throw APIError.invalidField("q", "at most 500 characters") }
            let limit = try q.int("limit", in: 1...100) ?? 20
            let hits = try await desk.search(text, limit: limit, by: try context.requireActor())
            let dtos = try await desk.dtos(hits.map(\.ticket))
            return try JSONBody.response(SearchResults(items: zip(hits, dtos).map { SearchHit(ticket: $1, score: $0.score) }))
        }
    }

    struct WorkSummary: Codable {
        struct Entry: Codable {
            var agentId: UUID
            var minutes: Int
            enum CodingKeys: String, CodingKey { case agentId = "agent_id", minutes }
        }
        var totalMinutes: Int
        var byAgent: [Entry]
        enum CodingKeys: String, CodingKey { case totalMinutes = "total_minutes", byAgent = "by_agent" }
    }

    static func version(fromETag raw: String) -> Int? {
        var tag = raw.trimmingCharacters(in: .whitespaces)
        if tag.hasPrefix("W/") { tag.removeFirst(2) }
        guard tag.hasPrefix("\"v"), tag.hasSuffix("\""), tag.count > 3 else { return nil }
        return Int(tag.dropFirst(2).dropLast())
    }

    static func filename(fromDisposition header: String?) -> String? {
        guard let header, let range = header.range(of: "filename=") else { return nil }
        let value = header[range.upperBound...].split(separator: ";").first.map(String.init) ?? ""
        let trimmed = value.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// A request's body streamed into the content-addressed store, under the upload limit (413 past it, nothing kept).
enum Upload {
    static func receive(_ request: Request, filename: String, desk: Desk) async throws -> Desk.StoredFile {
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        let limit = desk.config.maxUploadBytes
        let upload = try desk.files.beginUpload(limit: limit)
        do {
            let declaredTooLarge = (request.headers[.contentLength].flatMap(Int.init) ?? 0) > limit
            try await BodyReader.stream(request) { chunk in
                if declaredTooLarge { throw AttachmentFiles.UploadTooLarge(limit: limit) }
                try upload.write(chunk.readableBytesView)
            }
            let sha256 = try desk.files.commit(upload)
            return Desk.StoredFile(filename: filename, contentType: contentType, sha256: sha256, size: upload.size)
        } catch {
            upload.discard()
            throw error
        }
    }
}

/// A stored file as a download, for the API and the pages alike.
enum AttachmentResponse {
    /// `inline`: a raster image (PNG, JPEG, GIF, WebP: pictures only, never active content) is answered with its type,
    /// to be shown in an `<img>` (a chat's pictures); anything else is a download whatever is asked.
    static func make(_ a: AttachmentDTO, url: URL, context: EscaleContext, inline: Bool = false) async throws -> Response {
        let body = try await FileIO(threadPool: .singleton).loadFile(path: url.path, context: context)
        let picture = inline && ChatAttachmentDTO.inlineImageTypes.contains(a.contentType)
        return Response(status: .ok, headers: [
            // Opaque bytes, whatever the uploader said: the declared type is in the attachment's JSON, and a file is
            // never interpreted (rendered, parsed) on the way out.
            .contentType: picture ? a.contentType : "application/octet-stream",
            .contentDisposition: picture ? "inline" : disposition(a.filename),
            .contentLength: String(a.size),
            .cacheControl: "private, max-age=0",
        ], body: body)
    }

    /// `attachment` always: a stored file is downloaded, never rendered by the browser.
    static func disposition(_ filename: String) -> String {
        let ascii = String(filename.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_" })
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
