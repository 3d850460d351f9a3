"""The full-text search SQL the migrations create, importable without Alembic.

Search (agentdesk.services.search), the demo's bulk load (agentdesk.demo) and the
index backlog (agentdesk.store.fts_backlog) need the same statements and expression;
importing them from the migration modules would pull in Alembic (a few hundred ms at
start-up). Never change these: 0001 and 0012 run them as is (a change is a new
migration with new constants).
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

#: Migration 0012: messages whose ids a row of `fts_backlog` covers are indexed later,
#: in a transaction of their own (a big sync indexes batch n while it prepares batch
#: n + 1: see fts_backlog). Until then no trigger touches the index for them.
FTS_BACKLOG_TABLE = (
    "CREATE TABLE fts_backlog (first_id INTEGER NOT NULL PRIMARY KEY, last_id INTEGER NOT NULL)"
)
_NOT_IN_BACKLOG = (
    "NOT EXISTS (SELECT 1 FROM fts_backlog WHERE {row}.id BETWEEN first_id AND last_id)"
)
#: The three triggers of 0001, each skipping messages the backlog covers (0012).
FTS_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER message_fts_ai AFTER INSERT ON message
        WHEN {_NOT_IN_BACKLOG.format(row="new")} BEGIN
        INSERT INTO message_fts(rowid, subject, text, author)
        VALUES (new.id, new.subject, new.text, new.author || ' ' || new.author_address);
    END""",
    f"""CREATE TRIGGER message_fts_ad AFTER DELETE ON message
        WHEN {_NOT_IN_BACKLOG.format(row="old")} BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, text, author)
        VALUES ('delete', old.id, old.subject, old.text, old.author || ' ' || old.author_address);
    END""",
    f"""CREATE TRIGGER message_fts_au AFTER UPDATE OF subject, text, author, author_address
        ON message WHEN {_NOT_IN_BACKLOG.format(row="old")} BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, text, author)
        VALUES ('delete', old.id, old.subject, old.text, old.author || ' ' || old.author_address);
        INSERT INTO message_fts(rowid, subject, text, author)
        VALUES (new.id, new.subject, new.text, new.author || ' ' || new.author_address);
    END""",
]
#: Index the messages of one backlog range (what the insert trigger would have done).
FTS_INDEX_RANGE = (
    "INSERT INTO message_fts(rowid, subject, text, author) "
    "SELECT id, subject, text, author || ' ' || author_address FROM message "
    "WHERE id BETWEEN :first AND :last"
)

#: The tsvector PostgreSQL searches: subject, text and sender.
PG_TSVECTOR = (
    "to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(text, '') || ' ' || "
    "coalesce(author, '') || ' ' || coalesce(author_address, ''))"
)

#: Since migration 0013 it is stored (a generated column, indexed by GIN), so that ranking
#: a search's candidates reads each one's vector instead of parsing its text again.
PG_SEARCH_VECTOR = "search_vector"
PG_SEARCH_COLUMN = (
    f"ALTER TABLE message ADD COLUMN {PG_SEARCH_VECTOR} tsvector "
    f"GENERATED ALWAYS AS ({PG_TSVECTOR}) STORED"
)
PG_SEARCH_INDEX = f"CREATE INDEX ix_message_search ON message USING gin ({PG_SEARCH_VECTOR})"

__all__ = [
    "FTS_BACKLOG_TABLE", "FTS_INDEX_RANGE", "FTS_SQLITE", "FTS_SQLITE_TRIGGERS",
    "PG_SEARCH_COLUMN", "PG_SEARCH_INDEX", "PG_SEARCH_VECTOR", "PG_TSVECTOR",
]
