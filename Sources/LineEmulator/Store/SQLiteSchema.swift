import GRDB

/// The SQLite schema, in one place: GRDB's versioned migrations, applied in order, each once, when a store opens.
enum SQLiteSchema {
    /// The tables a reset empties (every table but `secrets` and GRDB's `grdb_migrations`).
    static let stateTables = [
        "channels", "users", "consents", "friendships", "authorization_codes", "user_tokens", "channel_tokens", "channel_keys",
        "retry_keys", "messages", "consent_transactions", "chats", "channel_links", "webhook_endpoints", "blocks",
        "reply_tokens", "webhook_deliveries",
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE channels (
                        id TEXT PRIMARY KEY, secret TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
                        app_type TEXT NOT NULL, callback_urls TEXT NOT NULL, email_permission INTEGER NOT NULL,
                        bot_linked INTEGER NOT NULL, position INTEGER NOT NULL);
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY, display_name TEXT NOT NULL, picture_url TEXT, status_message TEXT,
                        email TEXT, position INTEGER NOT NULL);
                    CREATE TABLE consents (
                        user_id TEXT NOT NULL, channel_id TEXT NOT NULL, scopes TEXT NOT NULL, granted_at DOUBLE NOT NULL,
                        PRIMARY KEY (user_id, channel_id));
                    CREATE TABLE friendships (
                        user_id TEXT NOT NULL, channel_id TEXT NOT NULL, PRIMARY KEY (user_id, channel_id));
                    CREATE TABLE authorization_codes (
                        code TEXT PRIMARY KEY, version TEXT NOT NULL, channel_id TEXT NOT NULL, user_id TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL, scopes TEXT NOT NULL, nonce TEXT, code_challenge TEXT,
                        auth_time DOUBLE, amr TEXT NOT NULL, issued_at DOUBLE NOT NULL, expires_at DOUBLE NOT NULL,
                        used_at DOUBLE);
                    CREATE TABLE user_tokens (
                        access_token TEXT PRIMARY KEY, refresh_token TEXT NOT NULL, version TEXT NOT NULL,
                        channel_id TEXT NOT NULL, user_id TEXT NOT NULL, scopes TEXT NOT NULL, issued_at DOUBLE NOT NULL,
                        expires_at DOUBLE NOT NULL, refresh_expires_at DOUBLE NOT NULL, revoked_at DOUBLE,
                        code TEXT NOT NULL);
                    CREATE INDEX user_tokens_refresh ON user_tokens (refresh_token, issued_at);
                    CREATE INDEX user_tokens_user_channel ON user_tokens (user_id, channel_id);
                    CREATE INDEX user_tokens_code ON user_tokens (code);
                    CREATE TABLE channel_tokens (
                        access_token TEXT PRIMARY KEY, kind TEXT NOT NULL, channel_id TEXT NOT NULL, key_id TEXT,
                        issued_at DOUBLE NOT NULL, expires_at DOUBLE NOT NULL, revoked_at DOUBLE);
                    CREATE INDEX channel_tokens_live ON channel_tokens (channel_id, kind, issued_at) WHERE revoked_at IS NULL;
                    CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
                    """
            )
        }
        migrator.registerMigration("v2: assertion keys, retry keys, messages") { db in
            try db.execute(
                sql: """
                    CREATE TABLE channel_keys (
                        kid TEXT PRIMARY KEY, channel_id TEXT NOT NULL, modulus BLOB NOT NULL, exponent BLOB NOT NULL,
                        created_at DOUBLE NOT NULL);
                    CREATE INDEX channel_keys_channel ON channel_keys (channel_id);
                    CREATE TABLE retry_keys (
                        channel_id TEXT NOT NULL, retry_key TEXT NOT NULL, request_id TEXT NOT NULL, sent_messages TEXT NOT NULL,
                        accepted_at DOUBLE NOT NULL, PRIMARY KEY (channel_id, retry_key));
                    CREATE TABLE messages (
                        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, channel_id TEXT NOT NULL, recipient TEXT NOT NULL,
                        type TEXT NOT NULL, json BLOB NOT NULL, quote_token TEXT, retry_key TEXT, request_id TEXT NOT NULL,
                        delivered INTEGER NOT NULL, sent_at DOUBLE NOT NULL);
                    CREATE INDEX messages_recipient ON messages (recipient, seq);
                    """
            )
        }
        migrator.registerMigration("v3: decided consent transactions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE consent_transactions (id TEXT PRIMARY KEY, valid_until DOUBLE NOT NULL);
                    CREATE INDEX consent_transactions_valid_until ON consent_transactions (valid_until);
                    """
            )
        }
        migrator.registerMigration("v4: group chats") { db in
            try db.execute(
                sql: """
                    CREATE TABLE chats (
                        id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, member_ids TEXT NOT NULL, channel_ids TEXT NOT NULL,
                        position INTEGER NOT NULL);
                    """
            )
        }
        migrator.registerMigration("v5: webhooks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE channel_links (login_channel_id TEXT PRIMARY KEY, bot_channel_id TEXT NOT NULL);
                    CREATE TABLE webhook_endpoints (channel_id TEXT PRIMARY KEY, url TEXT NOT NULL, active INTEGER NOT NULL);
                    CREATE TABLE blocks (user_id TEXT NOT NULL, channel_id TEXT NOT NULL, PRIMARY KEY (user_id, channel_id));
                    CREATE TABLE reply_tokens (
                        token TEXT PRIMARY KEY, channel_id TEXT NOT NULL, user_id TEXT NOT NULL, issued_at DOUBLE NOT NULL,
                        expires_at DOUBLE NOT NULL, used_at DOUBLE);
                    CREATE TABLE webhook_deliveries (
                        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, channel_id TEXT NOT NULL, url TEXT NOT NULL,
                        body BLOB NOT NULL, is_redelivery INTEGER NOT NULL, created_at DOUBLE NOT NULL, state TEXT NOT NULL,
                        status_code INTEGER, latency_ms INTEGER, response_excerpt TEXT, error TEXT);
                    CREATE INDEX webhook_deliveries_channel ON webhook_deliveries (channel_id, seq);
                    """
            )
        }
        // A deauthorize deletes the user's codes for the channel: without it, a scan of every code kept.
        migrator.registerMigration("v6: codes by user and channel") { db in
            try db.execute(sql: "CREATE INDEX authorization_codes_user_channel ON authorization_codes (user_id, channel_id)")
        }
        return migrator
    }
}
