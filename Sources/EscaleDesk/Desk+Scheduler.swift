import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// The durable scheduler's runner: claims due jobs (`JobQueue`) and runs each through the handler of its kind.
/// Every instance runs it; the claim makes each due job run on one of them.
extension Desk {
    /// Job kinds and what runs them.
    public enum JobKind {
        /// A ticket's next SLA instant (a warning, a due time, an escalation threshold). Key `sla:<ticket>`.
        public static let slaCheck = "sla.check"
        /// Replays the SLA of open tickets after a calendar, policy or contract change.
        public static let slaReplay = "sla.replay"
        /// The next step of an on-call escalation policy. Key `oncall:<incident>`.
        public static let onCallStep = "oncall.step"
        /// One message to one contact method, retried with backoff.
        public static let deliver = "notify.deliver"
        /// An organization's monthly inventory document. Key `inventory-document:<organization>`.
        public static let inventoryDocument = "inventory.document"
    }

    /// How long a claim holds a job before another runner may take it over (a crashed runner's jobs wait this long).
    public static let defaultJobLease: TimeInterval = 60

    /// Runs the jobs due now, `concurrency` at a time, and returns how many were claimed. Failures are retried with
    /// backoff (`JobQueue.retry`), never thrown: one bad job does not stop the others.
    @discardableResult
    public func runDueJobs(limit: Int = 256, concurrency: Int = 8, lease: TimeInterval = Desk.defaultJobLease) async throws -> Int {
        let jobs = try await JobQueue.claim(now: now, limit: limit, lease: lease, store: store)
        guard !jobs.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                let job = jobs[next]
                next += 1
                group.addTask { await self.run(job) }
            }
            for _ in 0..<min(concurrency, jobs.count) { start() }
            while await group.next() != nil {
                if next < jobs.count { start() }
            }
        }
        return jobs.count
    }

    /// Runs every job due now, batch after batch (tests with a fake clock; the benchmark).
    public func drainDueJobs(concurrency: Int = 8) async throws -> Int {
        var total = 0
        while true {
            let n = try await runDueJobs(concurrency: concurrency)
            total += n
            if n == 0 { return total }
        }
    }

    private func run(_ job: Job) async {
        do {
            switch job.kind {
            case JobKind.slaCheck: try await runSLACheck(job)
            case JobKind.slaReplay: try await runSLAReplay(job)
            case JobKind.onCallStep: try await runOnCallStep(job)
            case JobKind.deliver: try await runDelivery(job)
            case JobKind.mailNotify: try await runMailNotify(job)
            case JobKind.mailSend: try await runMailSend(job)
            case JobKind.passwordReset: try await runPasswordReset(job)
            case JobKind.alertResolve: try await runAlertResolve(job)
            case JobKind.inventoryDocument: try await assets.runMonthlyDocument(job)
            default: throw DomainError.invalid(field: "kind", "no handler for job kind \(job.kind)")
            }
        } catch {
            logger.warning("job failed", metadata: ["job": "\(job.key)", "kind": "\(job.kind)", "attempt": "\(job.attempts)", "error": "\(error)"])
            let at = now
            let retried = try? await store.write { db in try await JobQueue.retry(job, error: "\(error)", now: at, on: db) }
            if retried == false { await gaveUp(job, error: "\(error)") }
        }
    }

    /// Applies a job's effects and completes it in one transaction; nothing is applied if the lease was lost.
    func complete(_ job: Job, _ body: @escaping @Sendable (any Database) async throws -> Void) async throws {
        try await store.write { db in
            guard try await JobQueue.complete(job, on: db) else { return }
            try await body(db)
        }
    }

    static func payload<T: Decodable>(_ type: T.Type, of job: Job) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(job.payload.utf8))
    }

    static func payload<T: Encodable>(_ value: T) -> String {
        String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
    }
}
