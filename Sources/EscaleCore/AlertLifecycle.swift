import Foundation

/// How bad a monitoring alert says it is, read leniently from whatever the sender wrote.
public enum AlertSeverity: String, Codable, Sendable, CaseIterable {
    case critical, error, warning, info

    public init(parsing raw: String?) {
        switch raw?.trimmingCharacters(in: .whitespaces).lowercased() ?? "" {
        case "critical", "crit", "page", "p1", "disaster", "emergency", "emerg", "fatal", "alert", "sev1", "sev-1": self = .critical
        case "error", "err", "high", "major", "p2", "sev2", "sev-2": self = .error
        case "info", "information", "informational", "low", "notice", "ok", "none", "debug", "p4", "p5", "sev4", "sev5": self = .info
        default: self = .warning
        }
    }

    /// The ticket's impact and urgency: a critical alert is a P1 with the default matrix, a warning a P3.
    public var levels: (impact: Level, urgency: Level) {
        switch self {
        case .critical: (.high, .high)
        case .error: (.high, .medium)
        case .warning: (.medium, .medium)
        case .info: (.low, .low)
        }
    }
}

/// Where one problem reported by monitoring stands.
public enum AlertState: String, Codable, Sendable, CaseIterable {
    case firing, acknowledged
    /// Resolved by the sender while flapping: the ticket is resolved only if it stays quiet for the hold.
    case resolving
    case resolved

    public var isOpen: Bool { self != .resolved }
}

/// What the desk knows of a problem's latest occurrence.
public struct AlertFacts: Sendable, Equatable {
    public var state: AlertState
    /// The ticket is still open (nobody resolved or closed it meanwhile).
    public var ticketOpen: Bool
    /// The ticket can be reopened (resolved, not closed).
    public var ticketReopenable: Bool
    public var startsAt: Date?
    public var resolvedAt: Date?
    /// Times it fired again shortly after resolving.
    public var flaps: Int
    public var lastFlapAt: Date?

    public init(state: AlertState, ticketOpen: Bool, ticketReopenable: Bool = false, startsAt: Date? = nil, resolvedAt: Date? = nil,
                flaps: Int = 0, lastFlapAt: Date? = nil) {
        self.state = state; self.ticketOpen = ticketOpen; self.ticketReopenable = ticketReopenable; self.startsAt = startsAt
        self.resolvedAt = resolvedAt; self.flaps = flaps; self.lastFlapAt = lastFlapAt
    }
}

/// One open ticket per problem, repeats counted rather than written, and flapping held back: what an incoming
/// trigger, acknowledgement or resolution does to a problem. Pure; the desk reads the facts and carries it out.
public enum AlertLifecycle {
    /// How long a problem must stay quiet after resolving before firing again counts as a new problem, and how long a
    /// flapping problem's resolution is held back.
    public static let flapWindow: TimeInterval = 60

    public enum Decision: Sendable, Equatable {
        /// A new problem: a new ticket (linked to the previous one, if any).
        case open
        /// The same problem again: counted on its ticket, nothing written to the timeline.
        case `repeat`
        /// Fired again within the flap window after resolving: the same ticket reopens.
        case reopen
        /// Fired again while its resolution was held: the hold is cancelled.
        case cancelHold
        case acknowledge
        /// Resolved: the ticket too when `auto_resolve` is on.
        case resolve
        /// Resolved while flapping: resolve at `until` unless it fires again.
        case hold(until: Date)
        /// Nothing to do (a duplicate resolution, an acknowledgement of an unknown problem…), with why.
        case ignore(String)
    }

    /// `sameOccurrence`: the sender can tell occurrences apart (Alertmanager's `startsAt`) and this trigger belongs to
    /// the occurrence already known, so a ticket someone resolved by hand while it still fires gets no twin.
    public static func decide(_ current: AlertFacts?, action: AlertSignalAction, startsAt: Date?, now: Date,
                              flapWindow: TimeInterval = flapWindow) -> Decision {
        switch action {
        case .trigger:
            guard let c = current else { return .open }
            switch c.state {
            case .firing, .acknowledged:
                if c.ticketOpen { return .repeat }
                // Someone resolved the ticket while the alert still fires: the same occurrence is counted, a new one opens.
                if let s = startsAt, let known = c.startsAt, abs(s.timeIntervalSince(known)) < 1 { return .repeat }
                return .open
            case .resolving:
                return c.ticketOpen ? .cancelHold : .open
            case .resolved:
                if let r = c.resolvedAt, now.timeIntervalSince(r) < flapWindow, c.ticketOpen || c.ticketReopenable { return .reopen }
                return .open
            }
        case .acknowledge:
            guard let c = current, c.state.isOpen else { return .ignore("no open problem with this key") }
            if c.state == .acknowledged { return .ignore("already acknowledged") }
            if c.state == .resolving { return .ignore("already resolving") }
            return .acknowledge
        case .resolve:
            guard let c = current else { return .ignore("no open problem with this key") }
            switch c.state {
            case .resolved: return .ignore("already resolved")
            case .resolving: return .ignore("already resolving")
            case .firing, .acknowledged:
                // Flapping: it came back shortly after resolving, recently. Hold this resolution for the window.
                if c.flaps > 0, let f = c.lastFlapAt, now.timeIntervalSince(f) < flapWindow * 5 { return .hold(until: now.addingTimeInterval(flapWindow)) }
                return .resolve
            }
        }
    }
}

/// The three things a monitoring signal can ask (mirrors the wire's actions; Core knows no wire).
public enum AlertSignalAction: String, Codable, Sendable, CaseIterable {
    case trigger, acknowledge, resolve
}
