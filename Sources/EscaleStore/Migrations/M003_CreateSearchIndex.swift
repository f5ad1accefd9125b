import FluentKit
import SQLKit

/// Full-text index over ticket subjects, descriptions and comments.
///
/// Documents are stored already normalised by `SearchText` (folded, stemmed), so both engines index the same terms.
/// A document's id is `-seq` for the ticket itself (subject + description, rewritten when they change) and a
/// positive id for each comment (append-only, like the timeline).
struct M003_CreateSearchIndex: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE TABLE search_docs (
                    id BIGINT PRIMARY KEY,
                    ticket_seq BIGINT NOT NULL,
                    internal BOOLEAN NOT NULL,
                    body TEXT NOT NULL,
                    tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
                )
                """).run()
            try await sql.raw("CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv)").run()
            // Comments only: searching them must not wade through the ticket documents' matches.
            try await sql.raw("CREATE INDEX search_docs_comments_tsv ON search_docs USING GIN (tsv) WHERE id >= 0").run()
            try await sql.raw("CREATE INDEX search_docs_ticket ON search_docs (ticket_seq)").run()
            try await sql.raw("CREATE SEQUENCE search_doc_seq").run()
        } else {
            try await sql.raw("""
                CREATE VIRTUAL TABLE search_docs USING fts5(
                    body, ticket_seq UNINDEXED, internal UNINDEXED,
                    tokenize = 'unicode61 remove_diacritics 2'
                )
                """).run()
        }
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("DROP TABLE search_docs").run()
        if sql.dialect.name == "postgresql" { try await sql.raw("DROP SEQUENCE search_doc_seq").run() }
    }
}
