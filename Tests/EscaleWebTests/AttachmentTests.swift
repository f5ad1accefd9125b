import EscaleAPI
import EscaleCore
import Foundation
import HTTPTypes
import NIOCore
import Testing

@Suite("Attachments")
struct AttachmentTests {
    @Test("an upload is stored once by content, linked to a reply, and downloaded as an attachment, never inline")
    func uploadAndDownload() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            let png = ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 1000))
            let r = try await api.send(.post, "/api/v1/tickets/\(t.id)/attachments?filename=%C3%A9cran%20bleu.png", token: w.aliceToken, headers: [.contentType: "image/png"], raw: png)
            #expect(r.status == .created)
            let a = try r.json(AttachmentDTO.self)
            #expect(a.filename == "écran bleu.png")
            #expect(a.size == 1008)
            #expect(a.sha256.count == 64)

            let reply = try await api.create("/api/v1/tickets/\(t.id)/comments", token: w.aliceToken, CommentInput(body: "Capture jointe", isPublic: true, attachmentIds: [a.id]), as: EventDTO.self)
            #expect(reply.attachments.map(\.id) == [a.id])

            let d = try await api.get("/api/v1/attachments/\(a.id)", token: w.agent1Token)
            #expect(d.status == .ok)
            #expect(d.body == png)
            #expect(d.headers[.contentType] == "application/octet-stream", "served as opaque bytes; the declared type is in the JSON")
            #expect(a.contentType == "image/png")
            #expect(d.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(d.headers[.contentDisposition]?.contains("filename*=UTF-8''%C3%A9cran%20bleu.png") == true)
            #expect(d.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        }
    }

    @Test("HTML and SVG uploads are served as opaque bytes")
    func activeContent() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            let r = try await api.send(.post, "/api/v1/tickets/\(t.id)/attachments?filename=x.html", token: w.aliceToken, headers: [.contentType: "text/html"], raw: ByteBuffer(string: "<script>alert(1)</script>"))
            let a = try r.json(AttachmentDTO.self)
            #expect(a.contentType == "application/octet-stream")
            let d = try await api.get("/api/v1/attachments/\(a.id)", token: w.aliceToken)
            #expect(d.headers[.contentType] == "application/octet-stream")
            #expect(d.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
        }
    }

    @Test("uploads over the limit get 413 and leave no record")
    func limit() async throws {
        try await TestApp.run(maxUploadBytes: 4096) { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            let r = try await api.send(.post, "/api/v1/tickets/\(t.id)/attachments?filename=big.bin", token: w.aliceToken,
                                       headers: [.contentType: "application/octet-stream"], raw: ByteBuffer(repeating: 1, count: 5000))
            #expect(r.status == .contentTooLarge)
            let list = try await api.get("/api/v1/tickets/\(t.id)/attachments", token: w.agent1Token).json(Page<AttachmentDTO>.self)
            #expect(list.items.isEmpty)
        }
    }

    @Test("an internal attachment is hidden from the requester")
    func internalAttachment() async throws {
        try await TestApp.run { api in
            let w = try await World.make(api)
            let t = try await w.aliceTicket()
            let r = try await api.send(.post, "/api/v1/tickets/\(t.id)/attachments?filename=logs.txt&public=false", token: w.agent1Token, headers: [.contentType: "text/plain"], raw: ByteBuffer(string: "secret logs"))
            let a = try r.json(AttachmentDTO.self)
            #expect(!a.isPublic)
            #expect(try await api.get("/api/v1/attachments/\(a.id)", token: w.aliceToken).status == .notFound)
            #expect(try await api.get("/api/v1/tickets/\(t.id)/attachments", token: w.aliceToken).json(Page<AttachmentDTO>.self).items.isEmpty)
            #expect(try await api.get("/api/v1/attachments/\(a.id)", token: w.agent2Token).status == .ok)
        }
    }
}
