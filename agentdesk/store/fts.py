"""The full-text search SQL that migration 0001 creates, importable without Alembic.

Search (agentdesk.services.search) and the demo's bulk load (agentdesk.demo) need the
same statements and expression; importing them from the migration module would pull
in Alembic (a few hundred ms at start-up). Never change these: 0001 runs them as is.
"""

FTS_SQLITE = [
    """CREATE VIRTUAL TABLE message_fts USING fts5(
        subject, text, author, content='message', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER message_fts_ai AFTER INSERT ON message BEGIN
        INSERT INTO message_fts(rowid, subject, text, author)
        VALUES (new.id, new.subject, new.text, new.author || ' ' || new.author_address);
    END""",
    """CREATE TRIGGER message_fts_ad AFTER DELETE ON message BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, text, author)
        VALUES ('delete', old.id, old.subject, old.text, old.author || ' ' || old.author_address);
    END""",
    """CREATE TRIGGER message_fts_au AFTER UPDATE OF subject, text, author, author_address
        ON message BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, text, author)
        VALUES ('delete', old.id, old.subject, old.text, old.author || ' ' || old.author_address);
        INSERT INTO message_fts(rowid, subject, text, author)
        VALUES (new.id, new.subject, new.text, new.author || ' ' || new.author_address);
    END""",
]

#: The tsvector PostgreSQL searches; agentdesk.store.search uses the same expression.
PG_TSVECTOR = (
    "to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(text, '') || ' ' || "
    "coalesce(author, '') || ' ' || coalesce(author_address, ''))"
)

__all__ = ["FTS_SQLITE", "PG_TSVECTOR"]
