import PostgresNIO

/// The PostgreSQL schema, in one place: versioned migrations, applied in order, each once.
///
/// Several instances may start at the same moment. Each creates `schema_migrations` if missing (tolerating a peer
/// creating it at the same moment), then migrates inside one transaction that first locks the table's lock row
/// (version 0) with `SELECT … FOR UPDATE`: peers wait there, then find the versions applied and apply nothing.
/// PostgreSQL's DDL is transactional, so a migration is applied entirely or not at all.
enum PostgresSchema {
    /// Times are `double precision` seconds since 1970 (exactly what `Date.timeIntervalSince1970` holds); `seq`
    /// columns order rows issued in the same instant.
    static let migrations: [(version: Int, name: String, sql: [String])] =
        [
            (
                1, "channels, users, LINE Login, channel tokens, messages, secrets",
                [
                    """
                    CREATE TABLE channels (
                        id TEXT PRIMARY KEY, secret TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
                        app_type TEXT NOT NULL, callback_urls TEXT NOT NULL, email_permission BOOLEAN NOT NULL,
                        bot_linked BOOLEAN NOT NULL, position BIGSERIAL NOT NULL)
                    """,
                    """
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY, display_name TEXT NOT NULL, picture_url TEXT, status_message TEXT, email TEXT,
                        position BIGSERIAL NOT NULL)
                    """,
                    """
                    CREATE TABLE consents (
                        user_id TEXT NOT NULL, channel_id TEXT NOT NULL, scopes TEXT NOT NULL,
                        granted_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (user_id, channel_id))
                    """,
                    "CREATE TABLE friendships (user_id TEXT NOT NULL, channel_id TEXT NOT NULL, PRIMARY KEY (user_id, channel_id))",
                    """
                    CREATE TABLE authorization_codes (
                        code TEXT PRIMARY KEY, version TEXT NOT NULL, channel_id TEXT NOT NULL, user_id TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL, scopes TEXT NOT NULL, nonce TEXT, code_challenge TEXT,
                        auth_time DOUBLE PRECISION, amr TEXT NOT NULL, issued_at DOUBLE PRECISION NOT NULL,
                        expires_at DOUBLE PRECISION NOT NULL, used_at DOUBLE PRECISION)
                    """,
                    """
                    CREATE TABLE user_tokens (
                        access_token TEXT PRIMARY KEY, refresh_token TEXT NOT NULL, version TEXT NOT NULL,
                        channel_id TEXT NOT NULL, user_id TEXT NOT NULL, scopes TEXT NOT NULL,
                        issued_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
                        refresh_expires_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION, code TEXT NOT NULL,
                        seq BIGSERIAL NOT NULL)
                    """,
                    "CREATE INDEX user_tokens_refresh ON user_tokens (refresh_token, issued_at, seq)",
                    "CREATE INDEX user_tokens_user_channel ON user_tokens (user_id, channel_id)",
                    "CREATE INDEX user_tokens_code ON user_tokens (code)",
                    "CREATE INDEX user_tokens_recent ON user_tokens (issued_at, seq)",
                    """
                    CREATE TABLE channel_tokens (
                        access_token TEXT PRIMARY KEY, kind TEXT NOT NULL, channel_id TEXT NOT NULL, key_id TEXT,
                        issued_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
                        revoked_at DOUBLE PRECISION, seq BIGSERIAL NOT NULL)
                    """,
                    "CREATE INDEX channel_tokens_live ON channel_tokens (channel_id, kind, issued_at, seq) WHERE revoked_at IS NULL",
                    "CREATE INDEX channel_tokens_recent ON channel_tokens (issued_at, seq)",
                    """
                    CREATE TABLE channel_keys (
                        kid TEXT PRIMARY KEY, channel_id TEXT NOT NULL, modulus BYTEA NOT NULL, exponent BYTEA NOT NULL,
                        created_at DOUBLE PRECISION NOT NULL)
                    """,
                    "CREATE INDEX channel_keys_channel ON channel_keys (channel_id)",
                    """
                    CREATE TABLE retry_keys (
                        channel_id TEXT NOT NULL, retry_key TEXT NOT NULL, request_id TEXT NOT NULL, sent_messages TEXT NOT NULL,
                        accepted_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (channel_id, retry_key))
                    """,
                    """
                    CREATE TABLE messages (
                        seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, channel_id TEXT NOT NULL, recipient TEXT NOT NULL,
                        type TEXT NOT NULL, json BYTEA NOT NULL, quote_token TEXT, retry_key TEXT, request_id TEXT NOT NULL,
                        delivered BOOLEAN NOT NULL, sent_at DOUBLE PRECISION NOT NULL)
                    """,
                    "CREATE INDEX messages_recipient ON messages (recipient, seq)",
                    "CREATE TABLE secrets (name TEXT PRIMARY KEY, value BYTEA NOT NULL)",
                ]
            ),
            (
                2, "the platform clock",
                [
                    """
                    CREATE TABLE platform_clock (
                        id INTEGER PRIMARY KEY CHECK (id = 1), offset_seconds DOUBLE PRECISION NOT NULL)
                    """,
                    "INSERT INTO platform_clock (id, offset_seconds) VALUES (1, 0)",
                ]
            ),
            (
                3, "consent transactions decided, group chats",
                [
                    "CREATE TABLE consent_transactions (id TEXT PRIMARY KEY, valid_until DOUBLE PRECISION NOT NULL)",
                    "CREATE INDEX consent_transactions_valid_until ON consent_transactions (valid_until)",
                    """
                    CREATE TABLE chats (
                        id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, member_ids TEXT NOT NULL, channel_ids TEXT NOT NULL,
                        position BIGSERIAL NOT NULL)
                    """,
                ]
            ),
            (
                4, "linked channels, webhooks, blocks, reply tokens",
                [
                    "CREATE TABLE channel_links (login_channel_id TEXT PRIMARY KEY, bot_channel_id TEXT NOT NULL)",
                    "CREATE TABLE webhook_endpoints (channel_id TEXT PRIMARY KEY, url TEXT NOT NULL, active BOOLEAN NOT NULL)",
                    "CREATE TABLE blocks (user_id TEXT NOT NULL, channel_id TEXT NOT NULL, PRIMARY KEY (user_id, channel_id))",
                    """
                    CREATE TABLE reply_tokens (
                        token TEXT PRIMARY KEY, channel_id TEXT NOT NULL, user_id TEXT NOT NULL, issued_at DOUBLE PRECISION NOT NULL,
                        expires_at DOUBLE PRECISION NOT NULL, used_at DOUBLE PRECISION)
                    """,
                    """
                    CREATE TABLE webhook_deliveries (
                        seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, channel_id TEXT NOT NULL, url TEXT NOT NULL,
                        body BYTEA NOT NULL, is_redelivery BOOLEAN NOT NULL, created_at DOUBLE PRECISION NOT NULL, state TEXT NOT NULL,
                        status_code BIGINT, latency_ms BIGINT, response_excerpt TEXT, error TEXT)
                    """,
                    "CREATE INDEX webhook_deliveries_channel ON webhook_deliveries (channel_id, seq)",
                ]
            ),
            (
                5, "shared fault rules, rate limits and request log",
                [
                    // Bumped by every change of the fault rules or rate limits; read with the clock before each request.
                    "ALTER TABLE platform_clock ADD COLUMN operations_version BIGINT NOT NULL DEFAULT 0",
                    "CREATE TABLE fault_rules (id TEXT PRIMARY KEY, rule TEXT NOT NULL, remaining INTEGER, position BIGSERIAL NOT NULL)",
                    "CREATE TABLE rate_limits (endpoint TEXT PRIMARY KEY, rate DOUBLE PRECISION)",
                    """
                    CREATE TABLE rate_limit_buckets (
                        endpoint TEXT NOT NULL, channel_id TEXT NOT NULL, tokens DOUBLE PRECISION NOT NULL,
                        updated_at DOUBLE PRECISION NOT NULL, granted INTEGER NOT NULL, PRIMARY KEY (endpoint, channel_id))
                    """,
                    """
                    CREATE TABLE request_log (
                        seq BIGSERIAL PRIMARY KEY, request_id TEXT NOT NULL, time DOUBLE PRECISION NOT NULL, method TEXT NOT NULL,
                        path TEXT NOT NULL, status INTEGER NOT NULL, duration_ms DOUBLE PRECISION NOT NULL)
                    """,
                    "CREATE INDEX request_log_time ON request_log (time, seq)",
                ]
            ),
            (
                6, "codes by user and channel",
                // A deauthorize locks and deletes the user's codes for the channel: without it, a scan of every code kept.
                ["CREATE INDEX authorization_codes_user_channel ON authorization_codes (user_id, channel_id)"]
            ),
        ]

    /// The tables a reset empties (every table but `secrets` and `schema_migrations`).
    static let stateTables = [
        "channels", "users", "consents", "friendships", "authorization_codes", "user_tokens", "channel_tokens", "channel_keys",
        "retry_keys", "messages", "consent_transactions", "chats", "channel_links", "webhook_endpoints", "blocks",
        "reply_tokens", "webhook_deliveries",
    ]

    static func migrate(_ store: PostgresStore) async throws {
        try await createMigrationTable(store)
        try await store.transaction { transaction in
            // Serializes concurrent migrators: the second waits here until the first has committed.
            try await transaction.execute("SELECT version FROM schema_migrations WHERE version = 0 FOR UPDATE")
            let applied = Set(
                try await transaction.rows("SELECT version FROM schema_migrations").map { try $0["version"].decode(Int.self) }
            )
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.sql { try await transaction.execute(PostgresQuery(unsafeSQL: statement)) }
                try await transaction.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))"
                )
            }
        }
    }

    /// Creates the migrations table and its lock row; a peer doing the same at the same moment is not an error.
    private static func createMigrationTable(_ store: PostgresStore) async throws {
        for attempt in 1...3 {
            do {
                try await store.execute(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """
                )
                try await store.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (0, 'lock row') ON CONFLICT (version) DO NOTHING"
                )
                return
            } catch let error as PSQLError where PostgresStore.lostCreationRace(error) && attempt < 3 {
                // Two `CREATE TABLE IF NOT EXISTS` at once: one loses on the catalog; the table exists now.
            }
        }
    }
}
