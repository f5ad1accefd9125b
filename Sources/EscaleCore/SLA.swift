import Foundation

/// Service-level targets a contract promises, per priority, in business minutes of its calendar.
public struct SLAPolicy: Sendable, Equatable {
    public struct Targets: Sendable, Equatable {
        public let firstResponse: Int
        /// Time allowed between two public updates from the desk, if the contract promises one.
        public let nextUpdate: Int?
        public let resolution: Int
        public init(firstResponse: Int, nextUpdate: Int? = nil, resolution: Int) throws {
            for (v, field) in [(firstResponse, "first_response_minutes"), (resolution, "resolution_minutes"), (nextUpdate ?? 1, "next_update_minutes")] {
                guard (1...5_256_000).contains(v) else { throw DomainError.invalid(field: field, "must be between 1 and 5256000 business minutes") }
            }
            self.firstResponse = firstResponse; self.nextUpdate = nextUpdate; self.resolution = resolution
        }
    }

    public let targets: [Priority: Targets]
    /// Statuses in which the resolution clock stops (waiting for the requester, by default).
    public let pauseStatuses: Set<TicketStatus>
    /// Share of a target after which a running clock is in warning.
    public let warningPercent: Int

    public init(targets: [Priority: Targets], pauseStatuses: Set<TicketStatus> = [.pending], warningPercent: Int = 75) throws {
        guard Priority.all.allSatisfy({ targets[$0] != nil }) else {
            throw DomainError.invalid(field: "targets", "give targets for every priority from 1 to 5")
        }
        guard (1...99).contains(warningPercent) else { throw DomainError.invalid(field: "warning_percent", "must be between 1 and 99") }
        guard pauseStatuses.allSatisfy(\.isOpen) else {
            throw DomainError.invalid(field: "pause_statuses", "only open statuses can pause the clock (not resolved or closed)")
        }
        self.targets = targets; self.pauseStatuses = pauseStatuses; self.warningPercent = warningPercent
    }
}

/// What a ticket's clocks depend on, read from its timeline (so a calendar or policy change can be replayed).
public struct SLAHistory: Sendable {
    public enum Change: Sendable, Equatable {
        case status(TicketStatus)
        case priority(Priority)
        /// A public reply from the desk: the first response, and an update for the next-update clock.
        case staffReply
    }

    public let createdAt: Date
    public let priority: Priority
    public let changes: [(at: Date, change: Change)]

    public init(createdAt: Date, priority: Priority, changes: [(at: Date, change: Change)]) {
        self.createdAt = createdAt; self.priority = priority
        self.changes = changes.sorted { $0.at < $1.at }
    }
}

public enum SLAMetric: String, Codable, Sendable, CaseIterable {
    case firstResponse = "first_response", nextUpdate = "next_update", resolution
}

/// Where a clock stands: running below the warning threshold, past it, past its target, or done in time.
public enum SLAStatus: String, Codable, Sendable {
    case pending, warning, breached, met
}

/// One line of the SLA's story, as it goes on the timeline.
public struct SLATransition: Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case started, paused, resumed, warning, breached, met }
    public let at: Date
    public let metric: SLAMetric
    public let kind: Kind
}

/// What is kept of a ticket's SLA after each change: enough to tell where each clock stands at any later instant
/// without replaying the timeline (a running clock turns to warning, then breached, as time passes).
public struct SLASnapshot: Sendable, Equatable, Codable {
    public struct Clock: Sendable, Equatable, Codable {
        /// When the clock breaches (or breached); nil while it is paused and not yet breached.
        public let dueAt: Date?
        /// When the clock passes (or passed) its warning threshold; nil while paused before it.
        public let warningAt: Date?
        /// `met` or `breached` once the clock is done.
        public let outcome: SLAStatus?

        public init(dueAt: Date?, warningAt: Date?, outcome: SLAStatus?) {
            self.dueAt = dueAt; self.warningAt = warningAt; self.outcome = outcome
        }

        public func status(at now: Date) -> SLAStatus {
            if let outcome { return outcome }
            if let dueAt, now >= dueAt { return .breached }
            if let warningAt, now >= warningAt { return .warning }
            return .pending
        }
    }

    public let firstResponse: Clock
    public let nextUpdate: Clock?
    public let resolution: Clock
    public let paused: Bool
    public let resolutionElapsedMinutes: Int
    public let pausedMinutes: Int

    public init(firstResponse: Clock, nextUpdate: Clock?, resolution: Clock, paused: Bool, resolutionElapsedMinutes: Int, pausedMinutes: Int) {
        self.firstResponse = firstResponse; self.nextUpdate = nextUpdate; self.resolution = resolution; self.paused = paused
        self.resolutionElapsedMinutes = resolutionElapsedMinutes; self.pausedMinutes = pausedMinutes
    }

    /// The running clock that falls due first (a paused or finished clock has no due instant), with its status then:
    /// what a list or a ticket page shows as "next due".
    public func nextDue(at now: Date) -> (metric: SLAMetric, dueAt: Date, status: SLAStatus)? {
        let running: [(SLAMetric, Clock)] = [(.firstResponse, firstResponse), (.resolution, resolution)] + (nextUpdate.map { [(.nextUpdate, $0)] } ?? [])
        return running.compactMap { m, c in c.outcome == nil ? c.dueAt.map { (m, $0, c.status(at: now)) } : nil }.min { $0.1 < $1.1 }
    }

    /// Whether some running clock has passed its warning threshold (at risk, or breached): the "due soon" queue.
    public func atRisk(at now: Date) -> Bool {
        [firstResponse, resolution, nextUpdate].compactMap { $0 }.contains { $0.outcome == nil && ($0.warningAt.map { $0 <= now } ?? false) }
    }
}

public struct SLAState: Sendable, Equatable {
    public let firstResponseDueAt: Date?
    public let nextUpdateDueAt: Date?
    /// Nil while the resolution clock is paused or stopped.
    public let resolutionDueAt: Date?
    public let paused: Bool
    public let firstResponse: SLAStatus
    public let nextUpdate: SLAStatus?
    public let resolution: SLAStatus
    /// Business minutes the resolution clock has run, and business minutes it spent paused.
    public let resolutionElapsedMinutes: Int
    public let pausedMinutes: Int
    public let transitions: [SLATransition]
    public let snapshot: SLASnapshot
    /// The instant the state was computed for.
    public let at: Date
    /// Each clock's progress (next update only when the policy promises it).
    public let progress: [SLAMetric: Progress]
}

/// Replays a ticket's history against a policy and a calendar. Pure: the same history, policy, calendar and `now`
/// always give the same state, which is how a policy or calendar change is applied to open tickets.
public enum SLAClock {
    public static func state(_ history: SLAHistory, policy: SLAPolicy, calendar: BusinessCalendar, now: Date) -> SLAState {
        var clock = Replay(policy: policy, calendar: calendar, priority: history.priority, start: history.createdAt)
        var t = history.createdAt
        for (at, change) in history.changes where at <= now {
            clock.run(from: t, to: max(t, at))
            t = max(t, at)
            clock.apply(change, at: t)
        }
        clock.run(from: t, to: max(t, now))
        return clock.state(now: max(now, history.createdAt))
    }

    /// One clock: business seconds counted against a target that may change with the priority.
    struct Meter {
        let metric: SLAMetric
        var elapsed: TimeInterval = 0
        var warned = false
        var breached = false
        var done = false
        var dueAt: Date?

        mutating func run(from a: Date, to b: Date, target: TimeInterval, warningAt: TimeInterval, calendar: BusinessCalendar, log: inout [SLATransition]) {
            guard !done, b > a else { return }
            let seconds = calendar.businessSeconds(from: a, to: b)
            if !warned, elapsed + seconds >= warningAt, let at = calendar.adding(seconds: max(0, warningAt - elapsed), to: a) {
                warned = true
                if elapsed < target { log.append(.init(at: at, metric: metric, kind: .warning)) }
            }
            if !breached, elapsed + seconds >= target, let at = calendar.adding(seconds: max(0, target - elapsed), to: a) {
                breached = true
                log.append(.init(at: at, metric: metric, kind: .breached))
            }
            elapsed += seconds
        }

        /// A new target (priority changed): a clock already past it is breached at once.
        mutating func retarget(_ target: TimeInterval, warningAt: TimeInterval, at: Date, log: inout [SLATransition]) {
            guard !done else { return }
            if !warned, elapsed >= warningAt, elapsed < target { warned = true; log.append(.init(at: at, metric: metric, kind: .warning)) }
            if !breached, elapsed >= target { breached = true; log.append(.init(at: at, metric: metric, kind: .breached)) }
            if elapsed < warningAt { warned = false }
            if elapsed < target { breached = false }
        }

        mutating func finish(at: Date, log: inout [SLATransition]) {
            guard !done else { return }
            done = true
            if !breached { log.append(.init(at: at, metric: metric, kind: .met)) }
        }

        func status(target: TimeInterval, warningAt: TimeInterval) -> SLAStatus {
            if done { return breached ? .breached : .met }
            if elapsed >= target { return .breached }
            return elapsed >= warningAt ? .warning : .pending
        }
    }

    struct Replay {
        let policy: SLAPolicy
        let calendar: BusinessCalendar
        var priority: Priority
        var status: TicketStatus = .new
        var firstResponse = Meter(metric: .firstResponse)
        var nextUpdate = Meter(metric: .nextUpdate)
        var resolution = Meter(metric: .resolution)
        var paused: TimeInterval = 0
        var log: [SLATransition]

        init(policy: SLAPolicy, calendar: BusinessCalendar, priority: Priority, start: Date) {
            self.policy = policy; self.calendar = calendar; self.priority = priority
            var log = [SLATransition(at: start, metric: .firstResponse, kind: .started), SLATransition(at: start, metric: .resolution, kind: .started)]
            if policy.targets[priority]!.nextUpdate != nil { log.append(.init(at: start, metric: .nextUpdate, kind: .started)) }
            self.log = log
        }

        var targets: SLAPolicy.Targets { policy.targets[priority]! }
        func seconds(_ minutes: Int) -> TimeInterval { TimeInterval(minutes) * 60 }
        func warning(_ minutes: Int) -> TimeInterval { seconds(minutes) * TimeInterval(policy.warningPercent) / 100 }
        var resolutionRunning: Bool { status.isOpen && !policy.pauseStatuses.contains(status) }

        mutating func run(from a: Date, to b: Date) {
            let t = targets
            // First response counts whatever the status, until it is given.
            firstResponse.run(from: a, to: b, target: seconds(t.firstResponse), warningAt: warning(t.firstResponse), calendar: calendar, log: &log)
            if resolutionRunning {
                resolution.run(from: a, to: b, target: seconds(t.resolution), warningAt: warning(t.resolution), calendar: calendar, log: &log)
                if let n = t.nextUpdate {
                    nextUpdate.run(from: a, to: b, target: seconds(n), warningAt: warning(n), calendar: calendar, log: &log)
                }
            } else if status.isOpen {
                paused += calendar.businessSeconds(from: a, to: b)
            }
        }

        mutating func apply(_ change: SLAHistory.Change, at: Date) {
            switch change {
            case .staffReply:
                firstResponse.finish(at: at, log: &log)
                if targets.nextUpdate != nil, status.isOpen {
                    // Each public update restarts the next-update clock.
                    if !nextUpdate.breached, nextUpdate.elapsed > 0 || nextUpdate.warned { log.append(.init(at: at, metric: .nextUpdate, kind: .met)) }
                    nextUpdate = Meter(metric: .nextUpdate)
                }
            case let .priority(p):
                priority = p
                let t = targets
                firstResponse.retarget(seconds(t.firstResponse), warningAt: warning(t.firstResponse), at: at, log: &log)
                resolution.retarget(seconds(t.resolution), warningAt: warning(t.resolution), at: at, log: &log)
                if let n = t.nextUpdate { nextUpdate.retarget(seconds(n), warningAt: warning(n), at: at, log: &log) }
            case let .status(next):
                let wasRunning = resolutionRunning, wasOpen = status.isOpen
                status = next
                if !next.isOpen {
                    // A resolution answers the requester too: it stops the first-response clock, and nobody owes
                    // an update on a resolved or closed ticket.
                    firstResponse.finish(at: at, log: &log)
                    if wasOpen {
                        resolution.finish(at: at, log: &log)
                        if targets.nextUpdate != nil { nextUpdate.finish(at: at, log: &log) }
                    }
                } else if !wasOpen {
                    // Reopened: the resolution clock resumes where it stopped; updates are owed afresh.
                    resolution.done = false
                    log.append(.init(at: at, metric: .resolution, kind: .resumed))
                    if targets.nextUpdate != nil {
                        nextUpdate = Meter(metric: .nextUpdate)
                        log.append(.init(at: at, metric: .nextUpdate, kind: .started))
                    }
                } else if wasRunning, !resolutionRunning {
                    log.append(.init(at: at, metric: .resolution, kind: .paused))
                } else if !wasRunning, resolutionRunning {
                    log.append(.init(at: at, metric: .resolution, kind: .resumed))
                }
            }
        }

        func due(_ meter: Meter, _ minutes: Int, now: Date, running: Bool) -> Date? {
            guard !meter.done, running else { return nil }
            let target = seconds(minutes)
            if meter.elapsed >= target { return log.last { $0.metric == meter.metric && $0.kind == .breached }?.at }
            return calendar.adding(seconds: target - meter.elapsed, to: now)
        }

        /// The stored form of a clock: due and warning instants (past ones from the log), or its outcome once done.
        func clock(_ meter: Meter, _ minutes: Int, now: Date, running: Bool) -> SLASnapshot.Clock {
            let target = seconds(minutes), warnAt = warning(minutes)
            if meter.done { return .init(dueAt: nil, warningAt: nil, outcome: meter.breached ? .breached : .met) }
            let loggedBreach = log.last { $0.metric == meter.metric && $0.kind == .breached }?.at
            let loggedWarning = log.last { $0.metric == meter.metric && $0.kind == .warning }?.at
            let due = meter.elapsed >= target ? loggedBreach : running ? calendar.adding(seconds: target - meter.elapsed, to: now) : nil
            let warn = meter.elapsed >= warnAt ? loggedWarning : running ? calendar.adding(seconds: warnAt - meter.elapsed, to: now) : nil
            return .init(dueAt: due, warningAt: warn, outcome: nil)
        }

        func state(now: Date) -> SLAState {
            let t = targets
            let running = resolutionRunning
            let snapshot = SLASnapshot(
                firstResponse: clock(firstResponse, t.firstResponse, now: now, running: true),
                nextUpdate: t.nextUpdate.map { clock(nextUpdate, $0, now: now, running: running) },
                resolution: clock(resolution, t.resolution, now: now, running: running),
                paused: status.isOpen && !running,
                resolutionElapsedMinutes: Int(resolution.elapsed / 60), pausedMinutes: Int(paused / 60))
            return SLAState(
                firstResponseDueAt: due(firstResponse, t.firstResponse, now: now, running: true),
                nextUpdateDueAt: t.nextUpdate.flatMap { due(nextUpdate, $0, now: now, running: resolutionRunning) },
                resolutionDueAt: due(resolution, t.resolution, now: now, running: resolutionRunning),
                paused: status.isOpen && !resolutionRunning,
                firstResponse: firstResponse.status(target: seconds(t.firstResponse), warningAt: warning(t.firstResponse)),
                nextUpdate: t.nextUpdate.map { nextUpdate.status(target: seconds($0), warningAt: warning($0)) },
                resolution: resolution.status(target: seconds(t.resolution), warningAt: warning(t.resolution)),
                resolutionElapsedMinutes: Int(resolution.elapsed / 60), pausedMinutes: Int(paused / 60),
                transitions: log.sorted { $0.at < $1.at }, snapshot: snapshot, at: now,
                progress: progress(now: now))
        }

        func progress(now: Date) -> [SLAMetric: SLAState.Progress] {
            let t = targets
            func p(_ m: Meter, _ minutes: Int, running: Bool) -> SLAState.Progress {
                .init(elapsedSeconds: m.elapsed, targetSeconds: seconds(minutes), running: running && !m.done, done: m.done,
                      breached: m.breached, breachedAt: log.last { $0.metric == m.metric && $0.kind == .breached }?.at,
                      dueAt: due(m, minutes, now: now, running: running))
            }
            var out: [SLAMetric: SLAState.Progress] = [
                .firstResponse: p(firstResponse, t.firstResponse, running: true),
                .resolution: p(resolution, t.resolution, running: resolutionRunning),
            ]
            if let n = t.nextUpdate { out[.nextUpdate] = p(nextUpdate, n, running: resolutionRunning) }
            return out
        }
    }
}

/// SLA compliance over a set of tickets, per priority and clock: how many were met, breached, or are still running
/// (a running clock past its due time counts as breached).
public enum SLAReport {
    public struct Line: Sendable, Equatable {
        public let priority: Priority
        public let metric: SLAMetric
        public let met: Int
        public let breached: Int
        public let running: Int
        /// Met among the decided (met or breached), in percent; nil when none is decided yet.
        public var compliancePercent: Double? { met + breached == 0 ? nil : Double(met) * 100 / Double(met + breached) }
    }

    public static func lines(_ tickets: [(priority: Priority, sla: SLASnapshot)], at now: Date) -> [Line] {
        var counts: [String: (met: Int, breached: Int, running: Int)] = [:]
        func add(_ p: Priority, _ m: SLAMetric, _ clock: SLASnapshot.Clock) {
            let key = "\(p.rawValue)|\(m.rawValue)"
            var c = counts[key] ?? (0, 0, 0)
            switch clock.status(at: now) {
            case .met: c.met += 1
            case .breached: c.breached += 1
            case .pending, .warning: c.running += 1
            }
            counts[key] = c
        }
        for t in tickets {
            add(t.priority, .firstResponse, t.sla.firstResponse)
            if let n = t.sla.nextUpdate { add(t.priority, .nextUpdate, n) }
            add(t.priority, .resolution, t.sla.resolution)
        }
        return Priority.all.flatMap { p in
            SLAMetric.allCases.compactMap { m in
                counts["\(p.rawValue)|\(m.rawValue)"].map { Line(priority: p, metric: m, met: $0.met, breached: $0.breached, running: $0.running) }
            }
        }
    }
}
