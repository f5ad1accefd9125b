import Foundation
import FluentPostgresDriver
import FluentSQLiteDriver
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why the database cannot store changes right now: the operator's problem, not the client's. Writes answer 503
/// with a `Retry-After` and `/readyz` says which.
public enum StorageFault: String, Sendable, Equatable {
    case diskFull = "disk full"
    case readOnly = "read-only storage"
    case ioError = "storage I/O error"

    /// SQLite's and PostgreSQL's errors for a full disk, a read-only file or database, and a failing device.
    public static func of(_ error: any Error) -> StorageFault? {
        if let e = error as? StorageUnavailable { return e.fault }
        if let e = error as? SQLiteError {
            let reason = String(describing: e.reason)
            if reason == "full" { return .diskFull }
            if reason.lowercased().hasPrefix("readonly") { return .readOnly }
            if reason.hasPrefix("ioError") { return .ioError }
            return nil
        }
        if let e = error as? PSQLError, let state = e.serverInfo?[.sqlState] {
            if state == "53100" { return .diskFull }               // disk_full
            if state == "25006" { return .readOnly }               // read_only_sql_transaction (a standby, say)
            if state == "58030" { return .ioError }                // io_error
        }
        return nil
    }
}

/// A write refused because of a `StorageFault`; the transaction rolled back, nothing was half-written.
public struct StorageUnavailable: Error, Sendable, CustomStringConvertible {
    public let fault: StorageFault
    public let detail: String
    public var description: String { "\(fault.rawValue): \(detail)" }
}

/// The last storage fault a write met, until a write succeeds again.
final class StorageHealth: Sendable {
    private let fault = Mutex<(fault: StorageFault, detail: String, at: Date)?>(nil)

    func record(_ error: any Error) -> (any Error) {
        guard let f = StorageFault.of(error) else { return error }
        let detail = (error as? StorageUnavailable)?.detail ?? String(describing: error).split(separator: "\n").first.map(String.init) ?? ""
        fault.withLock { $0 = (f, detail, Date()) }
        return StorageUnavailable(fault: f, detail: detail)
    }

    func cleared() {
        fault.withLock { if $0 != nil { $0 = nil } }
    }

    var current: (fault: StorageFault, detail: String, at: Date)? { fault.withLock { $0 } }
}

/// What a directory's file system says before anything is written to it.
public enum FileSystemCheck {
    /// A plain reason the directory cannot hold the database (read-only, full), or nil.
    public static func problem(at directory: String, minimumFree: UInt64 = 1 << 20) -> (fault: StorageFault, detail: String)? {
        var s = statvfs()
        guard statvfs(directory, &s) == 0 else { return nil }
        if s.f_flag & UInt(ST_RDONLY) != 0 { return (.readOnly, "\(directory) is on a read-only file system") }
        let free = UInt64(s.f_bavail) * UInt64(s.f_frsize)
        if free < minimumFree { return (.diskFull, "no space left on the device holding \(directory) (\(free) bytes free)") }
        return nil
    }

    /// errno of a failed file operation, described plainly.
    public static func describe(_ error: any Error, path: String) -> String {
        let ns = error as NSError
        var code: Int32 = 0
        if ns.domain == NSPOSIXErrorDomain { code = Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain { code = Int32(underlying.code) }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteVolumeReadOnly: code = EROFS
            case .fileWriteOutOfSpace: code = ENOSPC
            case .fileWriteNoPermission: code = code == 0 ? EACCES : code
            default: break
            }
        }
        switch code {
        case EROFS: return "\(path) is on a read-only file system"
        case ENOSPC: return "no space left on the device holding \(path)"
        case EACCES, EPERM: return "permission denied on \(path) (the server runs as uid \(getuid()))"
        case ENOTDIR: return "\(path): a part of the path is a file, not a directory"
        case EDQUOT: return "disk quota exceeded on \(path)"
        default: return "\(path): \(ns.localizedDescription)"
        }
    }
}
