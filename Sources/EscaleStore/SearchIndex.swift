import EscaleCore
import FluentKit
import Foundation
import SQLKit

/// Full-text search over tickets and comments, kept in sync inside the writing transaction.
/// SQLite: FTS5 with BM25 ranking. PostgreSQL: a `tsvector` column with a GIN index, ranked by `ts_rank`.
/// Both index text already normalised by `SearchText`, so they find the same tickets.
public enum SearchIndex {
    /// Re-indexes a ticket's subject and description after they changed (new tickets are indexed by `BulkImport`).
    public static func reindexTicket(_ t: Ticket, on db: any Database) async throws {
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
            // Comments take rowids from 0 up (SQLite picks max+1, and ticket documents hold -1 and below).
            try await sql.raw("INSERT INTO search_docs (ticket_seq, internal, body) VALUES (\(bind: ticketSeq), \(bind: isInternal ? 1 : 0), \(bind: doc))").run()
        }
    }

    /// How many of the most recent matching documents are ranked (tickets and comments each). Ranking every match of
    /// a common word would grow with the whole history (tens of thousands of documents at a million tickets); the
    /// newest matches are what a desk looks for, and they are ranked by relevance among themselves.
    public static let rankingWindow = 1_000

    /// Tickets matching every term of `query`, most relevant first among the most recent matches, within the scope.
    public static func search(_ query: String, scope: TicketScope, includeInternal: Bool, limit: Int, on db: any Database) async throws -> [(ticket: Ticket, score: Double)] {
        let terms = Array(Set(SearchText.terms(query))).sorted()
        guard !terms.isEmpty, let visibility = TicketRepository.visibility(scope) else { return [] }
        let sql = db as! any SQLDatabase
        // The scope is applied inside the window, so a narrow scope still finds its own tickets.
        let window = rankingWindow
        let rows: [any SQLRow]
        if sql.dialect.name == "postgresql" {
            let scoped: SQLQueryString = visibility.map { "JOIN tickets ON tickets.seq = d.ticket_seq AND \($0)" } ?? ""
            let tsquery = terms.joined(separator: " & ")
            rows = try await sql.raw("""
                SELECT ticket_seq, max(score) AS score FROM (
                    (SELECT d.ticket_seq, ts_rank(d.tsv, to_tsquery('simple', \(bind: tsquery))) AS score FROM search_docs d \(scoped)
                     WHERE d.tsv @@ to_tsquery('simple', \(bind: tsquery)) AND d.id < 0 ORDER BY d.id LIMIT \(bind: window))
                    UNION ALL
                    -- Comments: take the GIN index's matches first (OFFSET 0 keeps the planner from walking every
                    -- comment newest-first and testing each), then rank the newest of them.
                    (SELECT c.ticket_seq, ts_rank(c.tsv, to_tsquery('simple', \(bind: tsquery))) AS score FROM (
                        SELECT d.id, d.ticket_seq, d.tsv FROM search_docs d \(scoped)
                        WHERE d.tsv @@ to_tsquery('simple', \(bind: tsquery)) AND d.id >= 0 AND (d.internal = false OR \(bind: includeInternal))
                        OFFSET 0
                     ) c ORDER BY c.id DESC LIMIT \(bind: window))
                ) m GROUP BY ticket_seq ORDER BY score DESC, ticket_seq DESC LIMIT \(bind: limit)
                """).all()
        } else {
            let match = terms.map { "\"\($0)\"" }.joined(separator: " ")
            // FTS5 tables take no alias. Ticket documents have rowid -seq (newest first in rowid order, and the ticket is
            // known without reading the stored column), comments rowids from 0 up.
            let scopedTickets: SQLQueryString = visibility.map { "JOIN tickets ON tickets.seq = -search_docs.rowid AND \($0)" } ?? ""
            let scoped: SQLQueryString = visibility.map { "JOIN tickets ON tickets.seq = search_docs.ticket_seq AND \($0)" } ?? ""
            rows = try await sql.raw("""
                SELECT ticket_seq, -min(score) AS score FROM (
                    SELECT * FROM (SELECT -search_docs.rowid AS ticket_seq, bm25(search_docs) AS score FROM search_docs \(scopedTickets)
                                   WHERE search_docs MATCH \(bind: match) AND search_docs.rowid < 0 ORDER BY search_docs.rowid LIMIT \(bind: window))
                    UNION ALL
                    SELECT * FROM (SELECT search_docs.ticket_seq AS ticket_seq, bm25(search_docs) AS score FROM search_docs \(scoped)
                                   WHERE search_docs MATCH \(bind: match) AND search_docs.rowid >= 0
                                         AND (search_docs.internal = 0 OR \(bind: includeInternal ? 1 : 0))
                                   ORDER BY search_docs.rowid DESC LIMIT \(bind: window))
                ) GROUP BY ticket_seq ORDER BY score DESC, ticket_seq DESC LIMIT \(bind: limit)
                """).all()
        }
        let ranked = try rows.map { (seq: try $0.decode(column: "ticket_seq", as: Int.self), score: try $0.decode(column: "score", as: Double.self)) }
        let tickets = try await TicketRepository.find(seqs: ranked.map(\.seq), scope: scope, on: db)
        return ranked.compactMap { r in tickets[r.seq].map { ($0, r.score) } }
    }

    static func rowid(_ sql: any SQLDatabase) -> String { sql.dialect.name == "postgresql" ? "id" : "rowid" }
}
