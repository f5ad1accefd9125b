import EscaleCore
import EscaleDesk
import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A submitted HTML form: text fields, and files already streamed to attachment storage. Reading a form checks its
/// CSRF token, so no handler can forget to.
struct Form: Sendable {
    struct File: Sendable {
        let filename: String
        let contentType: String
        let upload: AttachmentFiles.Upload
    }

    var fields: [String: [String]] = [:]
    var files: [File] = []

    subscript(_ name: String) -> String? { fields[name]?.first }
    func all(_ name: String) -> [String] { fields[name] ?? [] }
    /// A trimmed, non-empty value.
    func text(_ name: String) -> String? {
        guard let v = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }
    func int(_ name: String) -> Int? { text(name).flatMap { Int($0) } }
    func uuid(_ name: String) -> UUID? { text(name).flatMap { UUID(uuidString: $0) } }

    static let maxFieldsBytes = 1 << 20
    static let maxFiles = 5

    /// Reads a url-encoded or multipart body and checks `_csrf` against the expected token. Files are discarded if
    /// anything is wrong.
    static func read(_ request: Request, context: EscaleContext, desk: Desk, csrf expected: String) async throws -> Form {
        let type = request.headers[.contentType] ?? ""
        var form: Form
        if type.lowercased().hasPrefix("multipart/form-data") {
            form = try await readMultipart(request, type: type, desk: desk)
        } else {
            let buffer = try await BodyReader.collect(request, upTo: maxFieldsBytes, tooLarge: WebError.formTooLarge)
            form = Form(fields: parseURLEncoded(String(buffer: buffer)))
        }
        guard let token = form["_csrf"], Hex.constantTimeEqual(token, expected) else {
            form.discardFiles()
            throw WebError.csrf
        }
        // NUL cannot be stored as text (PostgreSQL refuses it): refused on every database, naming the field.
        if let field = form.fields.first(where: { $0.key.contains("\0") || $0.value.contains { $0.contains("\0") } })?.key
            ?? form.files.first(where: { $0.filename.contains("\0") }).map({ _ in "file" }) {
            form.discardFiles()
            throw DomainError.invalid(field: field.replacingOccurrences(of: "\0", with: ""), "must not contain NUL characters")
        }
        return form
    }

    func discardFiles() { for f in files { f.upload.discard() } }

    /// Moves the uploaded files into attachment storage (content-addressed: storing twice is harmless).
    func stored(in desk: Desk) throws -> [Desk.StoredFile] {
        try files.map { Desk.StoredFile(filename: $0.filename, contentType: $0.contentType, sha256: try desk.files.commit($0.upload), size: $0.upload.size) }
    }

    static func parseURLEncoded(_ body: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let key = decode(kv[0]), value = kv.count > 1 ? decode(kv[1]) : ""
            fields[key, default: []].append(value)
        }
        return fields
    }

    /// Streams a multipart body: text parts are kept (bounded), file parts go straight to attachment storage.
    private static func readMultipart(_ request: Request, type: String, desk: Desk) async throws -> Form {
        guard let boundary = type.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst(9).trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
              !boundary.isEmpty else { throw WebError.badForm }
        let state = MultipartState(desk: desk)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in state.header(name, value) }
        parser.onBody = { buffer in state.body(&buffer) }
        parser.onPartComplete = { state.complete() }
        do {
            try await BodyReader.stream(request) { chunk in
                try parser.execute(chunk)
                if let error = state.error { throw error }
            }
        } catch {
            state.form.discardFiles()
            state.current?.discard()
            throw error
        }
        return state.form
    }
}

/// The multipart parser's callbacks, accumulating one part at a time.
private final class MultipartState {
    let desk: Desk
    var form = Form()
    var name: String?, filename: String?, contentType = "application/octet-stream"
    var text = ByteBuffer()
    var textBytes = 0
    var current: AttachmentFiles.Upload?
    var error: (any Error)?

    init(desk: Desk) { self.desk = desk }

    func header(_ field: String, _ value: String) {
        switch field.lowercased() {
        case "content-disposition":
            for param in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if param.hasPrefix("name=") { name = unquote(param.dropFirst(5)) }
                if param.hasPrefix("filename=") { filename = unquote(param.dropFirst(9)) }
            }
        case "content-type":
            contentType = value
        default: break
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        guard error == nil else { return }
        do {
            if let filename, !filename.isEmpty {
                if current == nil {
                    guard form.files.count < Form.maxFiles else { throw WebError.tooManyFiles }
                    current = try desk.files.beginUpload(limit: desk.config.maxUploadBytes)
                }
                try current!.write(buffer.readableBytesView)
            } else {
                textBytes += buffer.readableBytes
                guard textBytes <= Form.maxFieldsBytes else { throw WebError.formTooLarge }
                text.writeImmutableBuffer(buffer)
            }
        } catch { self.error = error }
    }

    func complete() {
        defer { name = nil; filename = nil; contentType = "application/octet-stream"; text.clear(); current = nil }
        guard error == nil, let name else { current?.discard(); return }
        if let filename, !filename.isEmpty {
            // An empty file input still sends a part with a filename and no bytes.
            if let upload = current, upload.size > 0 {
                form.files.append(.init(filename: filename, contentType: contentType, upload: upload))
            } else {
                current?.discard()
            }
        } else if filename == nil {
            form.fields[name, default: []].append(String(buffer: text))
        }
    }

    private func unquote(_ s: Substring) -> String {
        var v = String(s)
        if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
        return v.replacingOccurrences(of: "\\\"", with: "\"")
    }
}

enum WebError: Error, Sendable {
    case csrf
    case badForm
    case formTooLarge
    case tooManyFiles
    /// Not signed in: go to the sign-in page, then back.
    case signInRequired(next: String)
}
