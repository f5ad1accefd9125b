import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

extension Desk {
    /// Records a stored upload on a ticket. Client-side users' uploads are public; staff choose.
    public func addAttachment(to ticketId: UUID, filename: String, contentType: String, sha256: String, size: Int, isPublic: Bool, by actor: Actor, on db: any Database) async throws -> AttachmentDTO {
        let ticket = try await self.ticket(ticketId, by: actor, on: db)
        let name = Self.safeFilename(filename)
        let m = AttachmentModel()
        m.id = UUID(); m.ticketId = ticket.id; m.eventId = nil; m.filename = name
        m.contentType = Self.safeContentType(contentType); m.size = size; m.sha256 = sha256
        m.isPublic = actor.role.isStaff ? isPublic : true; m.uploadedBy = actor.userId; m.createdAt = now
        try await m.create(on: db)
        return Self.dto(m)
    }

    /// A file stored beforehand (`files.commit`), to attach as part of a command.
    public struct StoredFile: Sendable {
        public let filename: String
        public let contentType: String
        public let sha256: String
        public let size: Int
        public init(filename: String, contentType: String, sha256: String, size: Int) {
            self.filename = filename; self.contentType = contentType; self.sha256 = sha256; self.size = size
        }
    }

    /// Creates a ticket with files attached to its first timeline entry, in the caller's transaction.
    public func createTicket(_ prepared: PreparedTicket, files: [StoredFile], by actor: Actor, on db: any Database) async throws -> Ticket {
        let ticket = try await createTicket(prepared, by: actor, on: db)
        guard !files.isEmpty else { return ticket }
        try await TicketRepository.flushPendingCreations(on: db)
        let eventId = try await TicketRepository.createdEventId(of: ticket.id, on: db)
        for f in files { try await attach(f, to: ticket.id, event: eventId, isPublic: true, by: actor, on: db) }
        return ticket
    }

    /// Records a stored file on a ticket (and a timeline entry, if given). Staff choose visibility; requesters' files are public.
    @discardableResult
    func attach(_ f: StoredFile, to ticketId: UUID, event: UUID?, isPublic: Bool, by actor: Actor, on db: any Database) async throws -> AttachmentModel {
        let m = AttachmentModel()
        m.id = UUID(); m.ticketId = ticketId; m.eventId = event; m.filename = Self.safeFilename(f.filename)
        m.contentType = Self.safeContentType(f.contentType); m.size = f.size; m.sha256 = f.sha256
        m.isPublic = actor.role.isStaff ? isPublic : true; m.uploadedBy = actor.userId; m.createdAt = now
        try await m.create(on: db)
        return m
    }

    public func attachments(of ticketId: UUID, by actor: Actor) async throws -> [AttachmentDTO] {
        let db = store.database
        let ticket = try await self.ticket(ticketId, by: actor, on: db)
        let staff = AccessPolicy.seesInternal(actor)
        return try await AttachmentModel.query(on: db).filter(\.$ticketId == ticket.id).sort(\.$createdAt).all()
            .filter { staff || $0.isPublic }.map(Self.dto)
    }

    /// An attachment and where its bytes are, if the actor may see its ticket (and, for internal ones, is staff).
    public func attachment(_ id: UUID, by actor: Actor) async throws -> (AttachmentDTO, URL) {
        let db = store.database
        guard let m = try await AttachmentModel.find(id, on: db), AccessPolicy.seesInternal(actor) || m.isPublic else {
            throw DomainError.notFound("attachment")
        }
        // Another tenant's attachment must answer exactly like a missing one.
        guard try await TicketRepository.find(m.ticketId, scope: AccessPolicy.ticketScope(of: actor), on: db) != nil else {
            throw DomainError.notFound("attachment")
        }
        return (Self.dto(m), files.url(for: m.sha256))
    }

    public static func dto(_ m: AttachmentModel) -> AttachmentDTO {
        AttachmentDTO(id: m.id!, ticketId: m.ticketId, eventId: m.eventId, filename: m.filename, contentType: m.contentType,
                      size: m.size, sha256: m.sha256, isPublic: m.isPublic, createdAt: m.createdAt)
    }

    /// Keeps the last path component, without control characters or quotes, at most 200 characters.
    static func safeFilename(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0 != "\"" && $0.value != 0x7F }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty || cleaned == "." || cleaned == ".." ? "attachment" : String(cleaned.prefix(200))
    }

    /// Types that a browser would render as active content are stored as opaque bytes.
    static func safeContentType(_ type: String) -> String {
        let base = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard base.range(of: #"^[a-z0-9.+-]+/[a-z0-9.+-]+$"#, options: .regularExpression) != nil else { return "application/octet-stream" }
        let active = ["text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/javascript", "application/javascript"]
        return active.contains(base) ? "application/octet-stream" : base
    }
}
