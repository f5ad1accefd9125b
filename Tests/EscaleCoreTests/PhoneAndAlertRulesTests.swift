import EscaleCore
import Foundation
import Testing

@Suite("Phone numbers, call states and the alert lifecycle")
struct PhoneAndAlertRulesTests {
    @Test("French and international notations are one E.164 number; extensions stay; words are no number")
    func e164() {
        for raw in ["01 23 45 67 89", "01.23.45.67.89", "0123456789", "+33 1 23 45 67 89", "+33 (0)1 23 45 67 89", "0033 1 23 45 67 89",
                    "0033123456789", "33123456789", "sip:+33123456789@pbx.example;user=phone", "tel:+33-1-23-45-67-89"] {
            #expect(PhoneNumber.e164(raw) == "+33123456789", "\(raw)")
        }
        #expect(PhoneNumber.e164("06 12 34 56 78") == "+33612345678")
        #expect(PhoneNumber.e164("+44 20 7946 0958") == "+442079460958")
        #expect(PhoneNumber.e164("00 49 30 1234567") == "+49301234567")
        #expect(PhoneNumber.e164("201") == "201")
        #expect(PhoneNumber.e164("0123456789", countryCode: 32) == "+32123456789")
        for raw in ["", "anonymous", "call me", "+0123", "12345678901234567890", "1"] { #expect(PhoneNumber.e164(raw) == nil, "\(raw)") }
    }

    @Test("a call's state follows its events in any order, and repeated events change nothing")
    func callStates() {
        let t0 = Date(timeIntervalSince1970: 1_000)
        var s = PhoneCallState.start(.newCall, inbound: true, at: t0)
        s.apply(.answer, at: t0.addingTimeInterval(10))
        s.apply(.answer, at: t0.addingTimeInterval(20))
        s.apply(.hangup(cause: "normalClearing"), at: t0.addingTimeInterval(70))
        s.apply(.hangup(cause: "other"), at: t0.addingTimeInterval(90))
        #expect(s.status == .ended && s.durationSeconds == 60 && s.minutesSpent == 1 && s.cause == "normalClearing")
        var missed = PhoneCallState.start(.newCall, inbound: true, at: t0)
        missed.apply(.hangup(cause: "normalClearing"), at: t0.addingTimeInterval(30))
        #expect(missed.status == .missed && missed.durationSeconds == 0 && missed.minutesSpent == nil)
        var out = PhoneCallState.start(.newCall, inbound: false, at: t0)
        out.apply(.hangup(cause: "busy"), at: t0.addingTimeInterval(5))
        #expect(out.status == .ended)
        var late = PhoneCallState.start(.answer, inbound: true, at: t0)
        late.apply(.newCall, at: t0.addingTimeInterval(-3))
        #expect(late.status == .answered && late.startedAt == t0.addingTimeInterval(-3))
    }

    @Test("alert lifecycle: open, repeat, resolve, reopen within the flap window, hold while flapping, a new occurrence after")
    func lifecycle() {
        let now = Date(timeIntervalSince1970: 10_000)
        let starts = now.addingTimeInterval(-600)
        #expect(AlertLifecycle.decide(nil, action: .trigger, startsAt: nil, now: now) == .open)
        let firing = AlertFacts(state: .firing, ticketOpen: true, startsAt: starts)
        #expect(AlertLifecycle.decide(firing, action: .trigger, startsAt: starts, now: now) == .repeat)
        #expect(AlertLifecycle.decide(firing, action: .resolve, startsAt: nil, now: now) == .resolve)
        #expect(AlertLifecycle.decide(firing, action: .acknowledge, startsAt: nil, now: now) == .acknowledge)
        // Someone resolved the ticket while the alert still fires: the same occurrence is only counted.
        let handResolved = AlertFacts(state: .firing, ticketOpen: false, ticketReopenable: true, startsAt: starts)
        #expect(AlertLifecycle.decide(handResolved, action: .trigger, startsAt: starts, now: now) == .repeat)
        #expect(AlertLifecycle.decide(handResolved, action: .trigger, startsAt: now, now: now) == .open)
        let justResolved = AlertFacts(state: .resolved, ticketOpen: false, ticketReopenable: true, resolvedAt: now.addingTimeInterval(-30))
        #expect(AlertLifecycle.decide(justResolved, action: .trigger, startsAt: nil, now: now) == .reopen)
        let closed = AlertFacts(state: .resolved, ticketOpen: false, ticketReopenable: false, resolvedAt: now.addingTimeInterval(-30))
        #expect(AlertLifecycle.decide(closed, action: .trigger, startsAt: nil, now: now) == .open)
        let longAgo = AlertFacts(state: .resolved, ticketOpen: false, ticketReopenable: true, resolvedAt: now.addingTimeInterval(-3_600))
        #expect(AlertLifecycle.decide(longAgo, action: .trigger, startsAt: nil, now: now) == .open)
        let flapping = AlertFacts(state: .firing, ticketOpen: true, flaps: 1, lastFlapAt: now.addingTimeInterval(-20))
        #expect(AlertLifecycle.decide(flapping, action: .resolve, startsAt: nil, now: now) == .hold(until: now.addingTimeInterval(60)))
        let held = AlertFacts(state: .resolving, ticketOpen: true, flaps: 1)
        #expect(AlertLifecycle.decide(held, action: .trigger, startsAt: nil, now: now) == .cancelHold)
        #expect(AlertLifecycle.decide(nil, action: .resolve, startsAt: nil, now: now) == .ignore("no open problem with this key"))
        #expect(AlertLifecycle.decide(longAgo, action: .resolve, startsAt: nil, now: now) == .ignore("already resolved"))
    }

    @Test("severities, however a sender spells them, map to impact and urgency")
    func severities() {
        #expect(AlertSeverity(parsing: "CRITICAL") == .critical && AlertSeverity(parsing: "page") == .critical)
        #expect(AlertSeverity(parsing: "error") == .error && AlertSeverity(parsing: "warning") == .warning)
        #expect(AlertSeverity(parsing: nil) == .warning && AlertSeverity(parsing: "info") == .info)
        #expect(AlertSeverity.critical.levels == (.high, .high))
    }
}
