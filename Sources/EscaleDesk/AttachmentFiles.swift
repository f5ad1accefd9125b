import Crypto
import EscaleCore
import Foundation

/// Content-addressed file storage under the data directory: `ab/cd/abcd…` named by SHA-256, written to a temporary
/// file and renamed into place, so a file is either absent or complete, and identical uploads are stored once.
public struct AttachmentFiles: Sendable {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("tmp"), withIntermediateDirectories: true)
    }

    /// A writer the HTTP layer feeds chunk by chunk, hashing as it goes.
    public final class Upload: @unchecked Sendable {
        let handle: FileHandle
        let tempURL: URL
        var hasher = SHA256()
        public private(set) var size = 0
        let limit: Int

        init(tempURL: URL, limit: Int) throws {
            guard FileManager.default.createFile(atPath: tempURL.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: tempURL.path])
            }
            self.handle = try FileHandle(forWritingTo: tempURL)
            self.tempURL = tempURL
            self.limit = limit
        }

        /// Appends bytes; throws `UploadTooLarge` past the limit (and the caller discards the upload).
        public func write(_ bytes: some Collection<UInt8>) throws {
            size += bytes.count
            guard size <= limit else { throw UploadTooLarge(limit: limit) }
            let data = Data(bytes)
            hasher.update(data: data)
            try handle.write(contentsOf: data)
        }

        public func discard() {
            try? handle.close()
            try? FileManager.default.removeItem(at: tempURL)
        }
    }

    public struct UploadTooLarge: Error, Sendable {
        public let limit: Int
        public init(limit: Int) { self.limit = limit }
    }

    public func beginUpload(limit: Int) throws -> Upload {
        try Upload(tempURL: root.appendingPathComponent("tmp").appendingPathComponent(UUID().uuidString), limit: limit)
    }

    /// Moves a finished upload into place; returns its SHA-256 (hex).
    public func commit(_ upload: Upload) throws -> String {
        try upload.handle.synchronize()
        try upload.handle.close()
        let digest = Hex.encode(upload.hasher.finalize())
        let target = url(for: digest)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: target.path) {
            try FileManager.default.removeItem(at: upload.tempURL)
        } else {
            try FileManager.default.moveItem(at: upload.tempURL, to: target)
        }
        return digest
    }

    /// Stores bytes already in memory (a raw e-mail, its parts); returns their SHA-256 (hex).
    public func store(_ bytes: some Collection<UInt8>) throws -> String {
        let upload = try beginUpload(limit: Int.max)
        do {
            try upload.write(bytes)
            return try commit(upload)
        } catch {
            upload.discard()
            throw error
        }
    }

    public func read(_ sha256: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(for: sha256)))
    }

    public func url(for sha256: String) -> URL {
        let a = sha256.prefix(2), b = sha256.dropFirst(2).prefix(2)
        return root.appendingPathComponent(String(a)).appendingPathComponent(String(b)).appendingPathComponent(sha256)
    }
}
