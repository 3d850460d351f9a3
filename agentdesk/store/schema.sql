-- A new agentdesk SQLite store: the schema the migrations build (see fresh.py).
-- Written by `python -m agentdesk.store.fresh`; do not edit by hand.
-- heads: 0003 0004 0005 0007 0014
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE agent (
	id INTEGER NOT NULL, 
	login VARCHAR NOT NULL, 
	display_name VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_agent_login ON agent (login);
CREATE TABLE customer (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	vip BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	merged_into_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(merged_into_id) REFERENCES customer (id)
);
CREATE TABLE meta (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE tag (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE contactpoint (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	channel VARCHAR NOT NULL, 
	address VARCHAR NOT NULL, 
	network VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id), 
	UNIQUE (channel, address)
);
CREATE INDEX ix_contactpoint_customer_id ON contactpoint (customer_id);
CREATE TABLE conversation (
	id INTEGER NOT NULL, 
	channel VARCHAR NOT NULL, 
	network VARCHAR, 
	account VARCHAR, 
	external_key VARCHAR, 
	status VARCHAR NOT NULL, 
	subject VARCHAR NOT NULL, 
	preview VARCHAR NOT NULL, 
	customer_id INTEGER NOT NULL, 
	assignee_id INTEGER, 
	priority VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	last_message_at DATETIME NOT NULL, 
	first_response_at DATETIME, 
	closed_at DATETIME, 
	sla_due_at DATETIME, 
	sort_due DATETIME NOT NULL, 
	snoozed_until DATETIME, 
	message_count INTEGER NOT NULL, automatic BOOLEAN DEFAULT 0 NOT NULL, first_due_at DATETIME, urgency INTEGER DEFAULT '0' NOT NULL, urgency_at DATETIME, follow_up_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(assignee_id) REFERENCES agent (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id)
);
CREATE INDEX ix_conversation_assignee_sort ON conversation (assignee_id, status, sort_due, last_message_at, id);
CREATE INDEX ix_conversation_customer_id ON conversation (customer_id);
CREATE INDEX ix_conversation_external_key ON conversation (external_key);
CREATE INDEX ix_conversation_status_sort ON conversation (status, sort_due, last_message_at, id);
CREATE TABLE conversationtag (
	conversation_id INTEGER NOT NULL, 
	tag_id INTEGER NOT NULL, 
	PRIMARY KEY (conversation_id, tag_id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id), 
	FOREIGN KEY(tag_id) REFERENCES tag (id)
);
CREATE TABLE event (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR NOT NULL, 
	action VARCHAR NOT NULL, 
	conversation_id INTEGER, 
	detail VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id)
);
CREATE INDEX ix_event_at ON event (at);
CREATE INDEX ix_event_conversation_id ON event (conversation_id);
CREATE TABLE message (
	id INTEGER NOT NULL, 
	conversation_id INTEGER NOT NULL, 
	direction VARCHAR NOT NULL, 
	author VARCHAR NOT NULL, 
	author_address VARCHAR NOT NULL, 
	sent_at DATETIME NOT NULL, 
	subject VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	html VARCHAR, 
	message_id_header VARCHAR, 
	in_reply_to VARCHAR, 
	"references" VARCHAR, 
	raw BLOB, 
	parse_error VARCHAR, 
	source VARCHAR, auto_kind VARCHAR, raw_sha256 VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id)
);
CREATE INDEX ix_message_conversation_id ON message (conversation_id);
CREATE INDEX ix_message_message_id_header ON message (message_id_header);
CREATE TABLE attachment (
	id INTEGER NOT NULL, 
	message_id INTEGER NOT NULL, 
	filename VARCHAR NOT NULL, 
	content_type VARCHAR NOT NULL, 
	size INTEGER NOT NULL, 
	data BLOB, 
	PRIMARY KEY (id), 
	FOREIGN KEY(message_id) REFERENCES message (id)
);
CREATE INDEX ix_attachment_message_id ON attachment (message_id);
CREATE TABLE outboxitem (
	id INTEGER NOT NULL, 
	conversation_id INTEGER NOT NULL, 
	message_id INTEGER NOT NULL, 
	channel VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error VARCHAR, 
	created_by VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	sent_at DATETIME, next_attempt_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id), 
	FOREIGN KEY(message_id) REFERENCES message (id)
);
CREATE INDEX ix_outboxitem_conversation_id ON outboxitem (conversation_id);
CREATE INDEX ix_outboxitem_status ON outboxitem (status);
CREATE VIRTUAL TABLE message_fts USING fts5(
        subject, text, author, content='message', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2');
CREATE TABLE csat_rating (
	id INTEGER NOT NULL, 
	conversation_id INTEGER NOT NULL, 
	message_id INTEGER NOT NULL, 
	rating INTEGER NOT NULL, 
	comment VARCHAR NOT NULL, 
	rated_at DATETIME NOT NULL, 
	agent_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(agent_id) REFERENCES agent (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id), 
	FOREIGN KEY(message_id) REFERENCES message (id), 
	UNIQUE (conversation_id)
);
CREATE INDEX ix_csat_rating_rated_at ON csat_rating (rated_at);
CREATE INDEX ix_message_conversation_direction ON message (conversation_id, direction, sent_at, author_address);
CREATE INDEX ix_event_conversation_action ON event (conversation_id, action, at);
CREATE TABLE mailsyncstate (
	id INTEGER NOT NULL, 
	account VARCHAR NOT NULL, 
	folder VARCHAR NOT NULL, 
	uidvalidity BIGINT NOT NULL, 
	last_uid BIGINT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account, folder)
);
CREATE TABLE pollerlease (
	account VARCHAR NOT NULL, 
	holder VARCHAR NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (account)
);
CREATE INDEX ix_message_raw_sha256 ON message (raw_sha256);
CREATE UNIQUE INDEX ux_message_email_source ON message (source) WHERE source LIKE 'imap:%' OR source LIKE 'import:%';
CREATE INDEX ix_conversation_report ON conversation (created_at, automatic, status, channel, assignee_id, first_response_at, closed_at, first_due_at, id);
CREATE TABLE fts_backlog (first_id INTEGER NOT NULL PRIMARY KEY, last_id INTEGER NOT NULL);
CREATE TRIGGER message_fts_ai AFTER INSERT ON message
        WHEN NOT EXISTS (SELECT 1 FROM fts_backlog WHERE new.id BETWEEN first_id AND last_id) BEGIN
        INSERT INTO message_fts(rowid, subject, text, author)
        VALUES (new.id, new.subject, new.text, new.author || ' ' || new.author_address);
    END;
CREATE TRIGGER message_fts_ad AFTER DELETE ON message
        WHEN NOT EXISTS (SELECT 1 FROM fts_backlog WHERE old.id BETWEEN first_id AND last_id) BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, text, author)
        VALUES ('delete', old.id, old.subject, old.text, old.author || ' ' || old.author_address);
    END;
CREATE TRIGGER message_fts_au AFTER UPDATE OF subject, text, author, author_address
        ON message WHEN NOT EXISTS (SELECT 1 FROM fts_backlog WHERE old.id BETWEEN first_id AND last_id) BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, text, author)
        VALUES ('delete', old.id, old.subject, old.text, old.author || ' ' || old.author_address);
        INSERT INTO message_fts(rowid, subject, text, author)
        VALUES (new.id, new.subject, new.text, new.author || ' ' || new.author_address);
    END;
CREATE INDEX ix_conversation_sort ON conversation (sort_due, last_message_at, id);
CREATE INDEX ix_conversation_assignee_due ON conversation (assignee_id, sort_due, last_message_at, id);
CREATE INDEX ix_message_source ON message (source);
CREATE TABLE chat_position (
	account VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	position VARCHAR NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (account)
);
CREATE TABLE chat_message_ref (
	id INTEGER NOT NULL, 
	account VARCHAR NOT NULL, 
	external_id VARCHAR NOT NULL, 
	message_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(message_id) REFERENCES message (id), 
	UNIQUE (account, external_id)
);
CREATE INDEX ix_chat_message_ref_message_id ON chat_message_ref (message_id);
CREATE INDEX ix_conversation_status_urgency ON conversation (status, urgency, last_message_at);
CREATE INDEX ix_conversation_last_message_at ON conversation (last_message_at);
CREATE INDEX ix_conversation_status_recent ON conversation (status, last_message_at);
CREATE INDEX ix_conversation_assignee_recent ON conversation (assignee_id, last_message_at);
CREATE TABLE mention (
	id INTEGER NOT NULL, 
	message_id INTEGER NOT NULL, 
	conversation_id INTEGER NOT NULL, 
	agent_id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	seen_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(agent_id) REFERENCES agent (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id), 
	FOREIGN KEY(message_id) REFERENCES message (id)
);
CREATE INDEX ix_mention_agent_conversation ON mention (agent_id, conversation_id);
CREATE TABLE reviewcomment (
	id INTEGER NOT NULL, 
	outbox_id INTEGER NOT NULL, 
	author VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(outbox_id) REFERENCES outboxitem (id)
);
CREATE INDEX ix_reviewcomment_outbox_id ON reviewcomment (outbox_id);
CREATE TABLE presence (
	session_id VARCHAR NOT NULL, 
	agent_login VARCHAR NOT NULL, 
	agent_name VARCHAR NOT NULL, 
	conversation_id INTEGER, 
	activity VARCHAR NOT NULL, 
	heartbeat_at DATETIME NOT NULL, 
	PRIMARY KEY (session_id)
);
CREATE INDEX ix_presence_conversation_heartbeat ON presence (conversation_id, heartbeat_at);
CREATE INDEX ix_presence_heartbeat_at ON presence (heartbeat_at);
CREATE TABLE draft (
	id INTEGER NOT NULL, 
	agent_login VARCHAR NOT NULL, 
	conversation_id INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	base_message_id INTEGER NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversation (id), 
	UNIQUE (agent_login, conversation_id)
);
CREATE INDEX ix_draft_conversation_id ON draft (conversation_id);
INSERT INTO alembic_version (version_num) VALUES ('0003');
INSERT INTO alembic_version (version_num) VALUES ('0004');
INSERT INTO alembic_version (version_num) VALUES ('0005');
INSERT INTO alembic_version (version_num) VALUES ('0007');
INSERT INTO alembic_version (version_num) VALUES ('0014');
