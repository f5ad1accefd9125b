@testable import EscaleCore
import Foundation
import Testing

@Suite("SLA clocks")
struct SLAClockTests {
    static let office = BusinessCalendarTests.office
    static func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }
    /// P1: respond in 15 min, resolve in 4 h; P2–P5: respond in 60 min, update every 4 h, resolve in 8 h (business time).
    static let policy: SLAPolicy = {
        var targets: [Priority: SLAPolicy.Targets] = [:]
        for p in Priority.all {
            targets[p] = p == .critical ? try! .init(firstResponse: 15, resolution: 240) : try! .init(firstResponse: 60, nextUpdate: 240, resolution: 480)
        }
        return try! SLAPolicy(targets: targets)
    }()
    /// Monday 30 November 2026, 09:00 in Paris.
    static let monday9 = at("2026-11-30T08:00:00Z")

    func state(_ changes: [(String, SLAHistory.Change)], priority: Priority = .medium, now: String, calendar: BusinessCalendar = office) -> SLAState {
        SLAClock.state(SLAHistory(createdAt: Self.monday9, priority: priority, changes: changes.map { (Self.at($0.0), $0.1) }),
                       policy: Self.policy, calendar: calendar, now: Self.at(now))
    }

    @Test("clocks run in business time from creation; a late first response is breached at its due time")
    func running() {
        let s = state([], now: "2026-11-30T09:30:00Z")  // 10:30 Paris
        #expect(s.firstResponse == .breached)
        #expect(s.firstResponseDueAt == Self.at("2026-11-30T09:00:00Z"))
        #expect(s.resolution == .pending)
        #expect(s.resolutionElapsedMinutes == 90)
        // 480 business minutes from Monday 09:00: 180 + 270 on Monday, 30 on Tuesday → Tuesday 09:30 Paris.
        #expect(s.resolutionDueAt == Self.at("2026-12-01T08:30:00Z"))
        #expect(s.transitions.contains(.init(at: Self.at("2026-11-30T08:45:00Z"), metric: .firstResponse, kind: .warning)))
        #expect(s.transitions.contains(.init(at: Self.at("2026-11-30T09:00:00Z"), metric: .firstResponse, kind: .breached)))
    }

    @Test("a reply in time meets the first response; the next-update clock restarts at each public update")
    func firstResponseMet() {
        let s = state([("2026-11-30T08:30:00Z", .staffReply)], now: "2026-11-30T12:30:00Z")  // reply 09:30; now 13:30 Paris
        #expect(s.firstResponse == .met)
        #expect(s.firstResponseDueAt == nil)
        #expect(s.transitions.contains(.init(at: Self.at("2026-11-30T08:30:00Z"), metric: .firstResponse, kind: .met)))
        // Next update: 240 business minutes from 09:30 → 09:30–12:00 (150) + 13:30–15:00 (90) → 15:00 Paris.
        #expect(s.nextUpdate == .pending)
        #expect(s.nextUpdateDueAt == Self.at("2026-11-30T14:00:00Z"))
    }

    @Test("time in a pause status does not count toward resolution, and the due time moves by as much")
    func pause() {
        let changes: [(String, SLAHistory.Change)] = [("2026-11-30T09:00:00Z", .status(.pending)), ("2026-11-30T13:00:00Z", .status(.inProgress))]
        let s = state(changes, now: "2026-11-30T14:00:00Z")  // pending 10:00–14:00 Paris, now 15:00
        #expect(!s.paused)
        #expect(s.pausedMinutes == 150, "10:00–12:00 and 13:30–14:00")
        #expect(s.resolutionElapsedMinutes == 60 + 60)
        #expect(s.resolutionDueAt == Self.at("2026-12-01T11:00:00Z"), "Tuesday 09:30 + 150 min = 12:00 Paris")
        let kinds = s.transitions.filter { $0.metric == .resolution }.map(\.kind)
        #expect(kinds == [.started, .paused, .resumed])
        // While paused there is no resolution due time, and first response still counts (it has not been given).
        let during = state([changes[0]], now: "2026-11-30T11:00:00Z")
        #expect(during.paused && during.resolutionDueAt == nil)
        #expect(during.firstResponse == .breached)
    }

    @Test("a pause carried over a priority change is kept")
    func pauseKeptAcrossPriorityChange() {
        let s = state([("2026-11-30T09:00:00Z", .status(.pending)), ("2026-11-30T10:00:00Z", .priority(.high))], now: "2026-11-30T13:00:00Z")
        #expect(s.paused, "changing the priority does not restart a paused clock")
        #expect(s.resolutionElapsedMinutes == 60)
        #expect(!s.transitions.contains { $0.metric == .resolution && $0.kind == .resumed })
    }

    @Test("a new priority applies its target to the time already elapsed")
    func priorityChange() {
        // After 5 hours of business time a P3 ticket becomes P1 (4 h target): breached at the change.
        let s = state([("2026-11-30T14:00:00Z", .priority(.critical))], now: "2026-11-30T14:30:00Z")
        #expect(s.resolution == .breached)
        #expect(s.transitions.contains(.init(at: Self.at("2026-11-30T14:00:00Z"), metric: .resolution, kind: .breached)))
        #expect(s.resolutionDueAt == Self.at("2026-11-30T14:00:00Z"))
    }

    @Test("resolving meets the resolution; reopening resumes the clock where it stopped")
    func reopen() {
        let resolved = state([("2026-11-30T08:30:00Z", .status(.resolved))], now: "2026-11-30T12:00:00Z")
        #expect(resolved.resolution == .met && resolved.resolutionDueAt == nil)
        #expect(resolved.firstResponse == .met, "resolving within the hour answers the requester in time")
        let reopened = state([("2026-11-30T08:30:00Z", .status(.resolved)), ("2026-11-30T13:00:00Z", .status(.inProgress))], now: "2026-11-30T14:00:00Z")
        #expect(reopened.resolution == .pending)
        #expect(reopened.resolutionElapsedMinutes == 30 + 60, "09:00–09:30, then 14:00–15:00 Paris")
        #expect(reopened.transitions.filter { $0.metric == .resolution }.map(\.kind) == [.started, .met, .resumed])
    }

    @Test("a P1 breach: warning at 75 %, breach at the target, in business time")
    func breach() {
        let s = state([], priority: .critical, now: "2026-12-01T08:00:00Z")  // next morning
        #expect(s.resolution == .breached)
        #expect(s.transitions.contains(.init(at: Self.at("2026-11-30T11:00:00Z"), metric: .resolution, kind: .warning)), "180 min: 12:00 Paris")
        #expect(s.transitions.contains(.init(at: Self.at("2026-11-30T13:30:00Z"), metric: .resolution, kind: .breached)), "240 min: 14:30 Paris")
    }

    @Test("on a 24/7 calendar across the spring-forward night, targets are real elapsed time")
    func dstNight() {
        let always = BusinessCalendar.alwaysOpen(timeZone: BusinessCalendarTests.paris)
        let created = Self.at("2026-03-28T22:00:00Z")  // 23:00 Paris, the night clocks go forward
        let s = SLAClock.state(SLAHistory(createdAt: created, priority: .medium, changes: []), policy: Self.policy, calendar: always, now: created)
        #expect(s.resolutionDueAt == created.addingTimeInterval(8 * 3600))
        #expect(s.firstResponseDueAt == created.addingTimeInterval(3600))
    }

    @Test("the same history replayed against another calendar gives other due times")
    func replay() {
        let always = BusinessCalendar.alwaysOpen(timeZone: BusinessCalendarTests.paris)
        let office = state([], now: "2026-11-30T08:00:00Z")
        let allDay = state([], now: "2026-11-30T08:00:00Z", calendar: always)
        #expect(office.resolutionDueAt == Self.at("2026-12-01T08:30:00Z"))
        #expect(allDay.resolutionDueAt == Self.monday9.addingTimeInterval(8 * 3600))
    }

    @Test("policies need every priority, a warning between 1 and 99 %, and open pause statuses")
    func policyValidation() throws {
        let t = try SLAPolicy.Targets(firstResponse: 10, resolution: 100)
        #expect(throws: DomainError.self) { try SLAPolicy(targets: [.critical: t]) }
        let all = Dictionary(uniqueKeysWithValues: Priority.all.map { ($0, t) })
        #expect(throws: DomainError.self) { try SLAPolicy(targets: all, warningPercent: 100) }
        #expect(throws: DomainError.self) { try SLAPolicy(targets: all, pauseStatuses: [.resolved]) }
        #expect(throws: DomainError.self) { try SLAPolicy.Targets(firstResponse: 0, resolution: 10) }
        #expect(try SLAPolicy(targets: all).pauseStatuses == [.pending])
    }

    @Test("the stored snapshot tells the status at any later instant without a replay")
    func snapshot() {
        let now = "2026-11-30T08:10:00Z"  // 09:10 Paris
        let s = state([], now: now)
        let fr = s.snapshot.firstResponse
        #expect(fr.dueAt == Self.at("2026-11-30T09:00:00Z") && fr.warningAt == Self.at("2026-11-30T08:45:00Z"))
        #expect(fr.status(at: Self.at(now)) == .pending)
        #expect(fr.status(at: Self.at("2026-11-30T08:50:00Z")) == .warning)
        #expect(fr.status(at: Self.at("2026-11-30T09:01:00Z")) == .breached)
        // Paused: no due time while not breached, and the status holds still.
        let paused = state([("2026-11-30T08:30:00Z", .status(.pending))], now: "2026-11-30T09:00:00Z").snapshot
        #expect(paused.paused && paused.resolution.dueAt == nil)
        #expect(paused.resolution.status(at: Self.at("2026-12-10T09:00:00Z")) == .pending)
        // Done: the outcome stays.
        let met = state([("2026-11-30T08:30:00Z", .staffReply)], now: "2026-11-30T09:00:00Z").snapshot.firstResponse
        #expect(met.outcome == .met && met.status(at: Self.at("2027-01-01T00:00:00Z")) == .met)
    }

    @Test("the report counts met, breached and running clocks per priority; a running clock past due is breached")
    func report() {
        let met = state([("2026-11-30T08:30:00Z", .staffReply), ("2026-11-30T09:00:00Z", .status(.resolved))], now: "2026-11-30T09:00:00Z").snapshot
        let running = state([], now: "2026-11-30T08:10:00Z").snapshot
        let lines = SLAReport.lines([(.medium, met), (.medium, running), (.critical, running)], at: Self.at("2026-11-30T09:30:00Z"))
        let p3Response = lines.first { $0.priority == .medium && $0.metric == .firstResponse }
        #expect(p3Response?.met == 1 && p3Response?.breached == 1 && p3Response?.compliancePercent == 50)
        let p3Resolution = lines.first { $0.priority == .medium && $0.metric == .resolution }
        #expect(p3Resolution?.met == 1 && p3Resolution?.running == 1 && p3Resolution?.compliancePercent == 100)
        #expect(lines.first { $0.priority == .high } == nil, "no line for a priority without tickets")
    }
}
