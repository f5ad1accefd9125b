import EscaleAPI
import EscaleCore
import EscaleStore
import FluentKit
import Foundation

/// Business calendars: created and previewed by administrators, referenced by contracts (support hours).
extension Desk {
    public func createCalendar(_ input: CalendarInput, by actor: Actor, on db: any Database) async throws -> CalendarDTO {
        try await saveCalendar(nil, input, by: actor, on: db)
    }

    /// Replaces a calendar. Open tickets whose SLA runs on it are replayed in the background.
    public func updateCalendar(_ id: UUID, _ input: CalendarInput, by actor: Actor, on db: any Database) async throws -> CalendarDTO {
        try await saveCalendar(id, input, by: actor, on: db)
    }

    private func saveCalendar(_ id: UUID?, _ input: CalendarInput, by actor: Actor, on db: any Database) async throws -> CalendarDTO {
        try AccessPolicy.require(actor, .manageDirectory)
        let m: CalendarModel
        if let id {
            guard let found = try await CalendarModel.find(id, on: db) else { throw DomainError.notFound("calendar") }
            m = found
        } else {
            m = CalendarModel()
            m.id = UUID(); m.createdAt = now
        }
        var input = input
        input.name = try Self.validName(input.name, field: "name")
        _ = try input.calendar()
        if let other = try await CalendarModel.query(on: db).filter(\.$name == input.name).first(), other.id != m.id {
            throw DomainError.conflict("a calendar named '\(input.name)' already exists")
        }
        m.name = input.name; m.timeZone = input.timeZone
        m.definition = String(decoding: try JSONEncoder().encode(input), as: UTF8.self)
        try await m.save(on: db)
        try await audit(actor, id == nil ? "create" : "update", "calendar", m.id, input.name, on: db)
        if let id {
            let policies = Set(try await SLAPolicyModel.query(on: db).filter(\.$calendarId == id).all().compactMap(\.id))
            try await scheduleSLAReplay(policies: policies, reason: "calendar:\(id.uuidString)", on: db)
        }
        return CalendarDTO(id: m.id!, input: input, createdAt: m.createdAt)
    }

    public func listCalendars(by actor: Actor) async throws -> [CalendarDTO] {
        try AccessPolicy.require(actor, .readDirectory)
        return try await CalendarModel.query(on: store.database).sort(\.$name).all().map(Self.dto)
    }

    public func calendar(_ id: UUID, by actor: Actor) async throws -> (CalendarDTO, BusinessCalendar) {
        try AccessPolicy.require(actor, .readDirectory)
        guard let m = try await CalendarModel.find(id, on: store.database) else { throw DomainError.notFound("calendar") }
        let dto = try Self.dto(m)
        return (dto, try Self.input(m).calendar())
    }

    /// Preview: the instant `minutes` business minutes after `start`.
    public func calendarDue(_ id: UUID, start: Date, minutes: Int, by actor: Actor) async throws -> Date {
        try AccessPolicy.require(actor, .manageDirectory)
        let (_, calendar) = try await self.calendar(id, by: actor)
        guard let due = calendar.adding(minutes: minutes, to: start) else {
            throw DomainError.invalid(field: "minutes", "the calendar has no opening hours in the next three years")
        }
        return due
    }

    /// Preview: business minutes between two instants.
    public func calendarMinutes(_ id: UUID, from: Date, to: Date, by actor: Actor) async throws -> Int {
        try AccessPolicy.require(actor, .manageDirectory)
        guard to.timeIntervalSince(from) <= 10 * 366 * 86_400 else { throw DomainError.invalid(field: "to", "at most ten years after from") }
        return try await calendar(id, by: actor).1.businessMinutes(from: from, to: to)
    }

    func calendarExists(_ id: UUID, on db: any Database) async throws -> Bool {
        try await CalendarModel.find(id, on: db) != nil
    }

    static func input(_ m: CalendarModel) throws -> CalendarInput {
        try JSONDecoder().decode(CalendarInput.self, from: Data(m.definition.utf8))
    }

    static func dto(_ m: CalendarModel) throws -> CalendarDTO {
        CalendarDTO(id: m.id!, input: try input(m), createdAt: m.createdAt)
    }
}
