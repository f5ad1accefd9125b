import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// Full-text search over tickets and comments, kept in sync inside the writing transaction.
/// SQLite: FTS5 with BM25 ranking. PostgreSQL: a `tsvector` column with a GIN index, ranked by `ts_rank`.
/// Both index text already normalised by `SearchText`, so they find the same tickets.
public enum SearchIndex {
    /// Indexes (or re-indexes) a ticket's subject and description.
    public static func indexTicket(_ t: Ticket, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let body = SearchText.document(t.subject, t.description)
        try await sql.delete(from: "search_docs").where(rowid(sql), .equal, SQLBind(-t.seq)).run()
        try await sql.raw("INSERT INTO search_docs (\(unsafeRaw: rowid(sql)), ticket_seq, internal, body) VALUES (\(bind: -t.seq), \(bind: t.seq), \(bind: false), \(bind: body))").run()
    }

    /// Indexes a comment (public replies for everyone, internal notes for staff only).
    public static func indexComment(ticketSeq: Int, body: String, isInternal: Bool, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let doc = SearchText.document(body)
        guard !doc.isEmpty else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("INSERT INTO search_docs (id, ticket_seq, internal, body) VALUES (nextval('search_doc_seq'), \(bind: ticketSeq), \(bind: isInternal), \(bind: doc))").run()
        } else {
            // Comments take positive rowids (SQLite picks max+1); tickets hold the negative ones.
            try await sql.raw("INSERT INTO search_docs (ticket_seq, internal, body) VALUES (\(bind: ticketSeq), \(bind: isInternal ? 1 : 0), \(bind: doc))").run()
        }
    }

    /// Tickets matching every term of `query`, best first, within the caller's scope.
    public static func search(_ query: String, scope: TicketScope, includeInternal: Bool, limit: Int, on db: any Database) async throws -> [(ticket: Ticket, score: Double)] {
        let terms = Array(Set(SearchText.terms(query))).sorted()
        guard !terms.isEmpty, TicketRepository.visibility(scope) != nil else { return [] }
        let sql = db as! any SQLDatabase
        // Rank candidates in the index, then hydrate and scope-filter them in one query. The candidate window is
        // generous so that a narrow scope still finds its matches among the best-ranked documents.
        let window = scope == .all ? limit : max(limit * 20, 1_000)
        let ranked: [(seq: Int, score: Double)]
        if sql.dialect.name == "postgresql" {
            let tsquery = terms.joined(separator: " & ")
            let rows = try await sql.raw("""
                SELECT ticket_seq, max(ts_rank(tsv, q)) AS score
                FROM search_docs, to_tsquery('simple', \(bind: tsquery)) q
                WHERE tsv @@ q AND (internal = false OR \(bind: includeInternal))
                GROUP BY ticket_seq ORDER BY score DESC, ticket_seq DESC LIMIT \(bind: window)
                """).all()
            ranked = try rows.map { (try $0.decode(column: "ticket_seq", as: Int.self), try $0.decode(column: "score", as: Double.self)) }
        } else {
            let match = terms.map { "\"\($0)\"" }.joined(separator: " ")
            let rows = try await sql.raw("""
                SELECT ticket_seq, -min(rank) AS score FROM (
                    SELECT ticket_seq, rank FROM search_docs
                    WHERE search_docs MATCH \(bind: match) AND (internal = 0 OR \(bind: includeInternal ? 1 : 0))
                    ORDER BY rank LIMIT \(bind: window * 4)
                ) GROUP BY ticket_seq ORDER BY score DESC, ticket_seq DESC LIMIT \(bind: window)
                """).all()
            ranked = try rows.map { (try $0.decode(column: "ticket_seq", as: Int.self), try $0.decode(column: "score", as: Double.self)) }
        }
        let tickets = try await TicketRepository.find(seqs: ranked.map(\.seq), scope: scope, on: db)
        return Array(ranked.compactMap { r in tickets[r.seq].map { ($0, r.score) } }.prefix(limit))
    }

    static func rowid(_ sql: any SQLDatabase) -> String { sql.dialect.name == "postgresql" ? "id" : "rowid" }
}
