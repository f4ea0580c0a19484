import GRDB

/// The schema, as named append-only migrations. Never edit a shipped migration: add one.
public enum Migrations {
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            // Raw request bodies, exactly as received. Time stamps are milliseconds since 1970 UTC.
            try db.execute(
                sql: """
                    CREATE TABLE inbox (
                        id INTEGER PRIMARY KEY,
                        adapter TEXT NOT NULL,
                        content_type TEXT NOT NULL,
                        body BLOB NOT NULL,
                        received_at INTEGER NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('pending', 'normalized', 'rejected')),
                        reason TEXT,
                        event_count INTEGER,
                        normalized_at INTEGER
                    );
                    -- Partial indexes: a normalized row (nearly all of them) sits in no index.
                    CREATE INDEX inbox_pending ON inbox(id) WHERE state = 'pending';
                    CREATE INDEX inbox_rejected ON inbox(id) WHERE state = 'rejected';

                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY,
                        dedup_key BLOB NOT NULL,
                        carrier TEXT NOT NULL,
                        tracking_number TEXT NOT NULL,
                        event_at INTEGER NOT NULL,
                        time_source TEXT NOT NULL CHECK (time_source IN ('offset', 'location', 'assumed')),
                        time_detail TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        milestone TEXT NOT NULL,
                        raw_code TEXT NOT NULL,
                        raw_text TEXT,
                        facility_code TEXT,
                        facility_name TEXT,
                        city TEXT,
                        region TEXT,
                        country TEXT,
                        latitude REAL,
                        longitude REAL,
                        direction TEXT NOT NULL CHECK (direction IN ('forward', 'return')),
                        carrier_event_id TEXT,
                        inbox_id INTEGER REFERENCES inbox(id)
                    );
                    -- One index serves both de-duplication and a shipment's timeline. A second index
                    -- would cost a second random page write per event (keys arrive in no order).
                    CREATE UNIQUE INDEX events_identity ON events(carrier, tracking_number, dedup_key);

                    CREATE TABLE shipments (
                        id INTEGER PRIMARY KEY,
                        carrier TEXT NOT NULL,
                        tracking_number TEXT NOT NULL,
                        direction TEXT NOT NULL CHECK (direction IN ('forward', 'return')),
                        milestone TEXT NOT NULL,
                        raw_code TEXT NOT NULL,
                        raw_text TEXT,
                        facility_code TEXT,
                        facility_name TEXT,
                        city TEXT,
                        region TEXT,
                        country TEXT,
                        latitude REAL,
                        longitude REAL,
                        current_since INTEGER NOT NULL,
                        last_event_at INTEGER NOT NULL,
                        first_event_at INTEGER NOT NULL,
                        next_check_at INTEGER,
                        state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
                        event_count INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        UNIQUE (carrier, tracking_number)
                    );
                    -- The deadline scheduler reads only due shipments through this index.
                    CREATE INDEX shipments_next_check ON shipments(next_check_at) WHERE next_check_at IS NOT NULL;

                    CREATE TABLE orders (
                        id TEXT PRIMARY KEY,
                        customer_id TEXT,
                        customer_name TEXT,
                        customer_phone TEXT,
                        customer_email TEXT,
                        customer_app_user_id TEXT,
                        preferred_channel TEXT NOT NULL,
                        customer_locale TEXT,
                        destination_city TEXT,
                        destination_region TEXT,
                        destination_country TEXT,
                        value_amount TEXT NOT NULL,
                        value_currency TEXT NOT NULL,
                        promised_delivery_at INTEGER,
                        presale_supplier_eta INTEGER,
                        presale_promised_ship_at INTEGER,
                        is_return INTEGER NOT NULL DEFAULT 0,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE order_shipments (
                        order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
                        carrier TEXT NOT NULL,
                        tracking_number TEXT NOT NULL,
                        PRIMARY KEY (order_id, carrier, tracking_number)
                    ) WITHOUT ROWID;
                    CREATE INDEX order_shipments_by_shipment ON order_shipments(carrier, tracking_number);
                    """)
        }
        migrator.registerMigration("v2-adapters") { db in
            try db.execute(
                sql: """
                    -- Facts beyond the milestone (missing customs documents, carrier-declared stalls), as JSON.
                    ALTER TABLE events ADD COLUMN details TEXT;

                    CREATE TABLE disruptions (
                        id TEXT PRIMARY KEY,
                        source TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        route_interrupted INTEGER NOT NULL,
                        regions TEXT NOT NULL,
                        facilities TEXT NOT NULL,
                        valid_from INTEGER NOT NULL,
                        valid_to INTEGER,
                        title TEXT NOT NULL,
                        detail TEXT,
                        inbox_id INTEGER,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX disruptions_by_validity ON disruptions(valid_to);

                    -- Where each poller stopped, written in the transaction that stores what it fetched.
                    CREATE TABLE poller_cursors (
                        poller TEXT PRIMARY KEY,
                        cursor TEXT NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3-alerting") { db in
            try db.execute(
                sql: """
                    -- Where a shipment's first known scan happened: the origin of its lane.
                    ALTER TABLE shipments ADD COLUMN origin_facility TEXT;
                    ALTER TABLE shipments ADD COLUMN origin_city TEXT;
                    ALTER TABLE shipments ADD COLUMN origin_region TEXT;
                    ALTER TABLE shipments ADD COLUMN origin_country TEXT;

                    -- Learned dwell statistics per node key (carrier|facility|milestone, * for left-out parts).
                    CREATE TABLE baselines (
                        key TEXT PRIMARY KEY,
                        statistics TEXT NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID;

                    -- Learned lane samples (share of the promise window used) per lane key.
                    CREATE TABLE lane_samples (
                        key TEXT PRIMARY KEY,
                        samples TEXT NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID;

                    -- One episode per stall (node track), per trip (journey track) or per order problem.
                    CREATE TABLE episodes (
                        id INTEGER PRIMARY KEY,
                        subject TEXT NOT NULL,
                        track TEXT NOT NULL CHECK (track IN ('node', 'journey', 'order')),
                        level TEXT NOT NULL,
                        scenario TEXT NOT NULL,
                        anchor TEXT,
                        opened_at INTEGER NOT NULL,
                        closed_at INTEGER,
                        recovery TEXT
                    );
                    CREATE UNIQUE INDEX episodes_open ON episodes(subject, track) WHERE closed_at IS NULL;

                    CREATE TABLE alerts (
                        id INTEGER PRIMARY KEY,
                        episode_id INTEGER NOT NULL REFERENCES episodes(id),
                        carrier TEXT,
                        tracking_number TEXT,
                        order_id TEXT,
                        level TEXT NOT NULL,
                        scenario TEXT NOT NULL,
                        reason_zh TEXT NOT NULL,
                        reason_en TEXT NOT NULL,
                        details TEXT NOT NULL,
                        region TEXT,
                        raised_at INTEGER NOT NULL
                    );
                    CREATE INDEX alerts_by_time ON alerts(raised_at);
                    CREATE INDEX alerts_by_shipment ON alerts(carrier, tracking_number);

                    -- The actions an alert's playbook asks for; the outbox delivers them.
                    CREATE TABLE planned_actions (
                        id INTEGER PRIMARY KEY,
                        alert_id INTEGER NOT NULL REFERENCES alerts(id),
                        action TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL UNIQUE,
                        state TEXT NOT NULL DEFAULT 'planned',
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX planned_actions_waiting ON planned_actions(id) WHERE state = 'planned';
                    """)
        }
        migrator.registerMigration("v4-outbox") { db in
            try db.execute(
                sql: """
                    -- What re-shipping and routing need from an order.
                    ALTER TABLE orders ADD COLUMN items TEXT;
                    ALTER TABLE orders ADD COLUMN customer_vip INTEGER NOT NULL DEFAULT 0;

                    -- Which helpdesk group an alert's ticket was routed to, and why (JSON).
                    ALTER TABLE alerts ADD COLUMN routing TEXT;

                    -- One row per delivery to the outside world. Written in the transaction that
                    -- records its alert; the dispatcher claims due rows with a lease.
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY,
                        idempotency_key TEXT NOT NULL UNIQUE,
                        alert_id INTEGER REFERENCES alerts(id),
                        action TEXT NOT NULL,
                        adapter TEXT NOT NULL,
                        request TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'in_flight', 'delivered', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        lease_expires_at INTEGER,
                        last_status INTEGER,
                        last_error TEXT,
                        response TEXT,
                        receipt TEXT,
                        helpdesk_group TEXT,
                        resolved_at INTEGER,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        delivered_at INTEGER
                    );
                    CREATE INDEX outbox_due ON outbox(adapter, next_attempt_at) WHERE state = 'pending';
                    CREATE INDEX outbox_leases ON outbox(adapter, lease_expires_at) WHERE state = 'in_flight';
                    CREATE INDEX outbox_by_state ON outbox(state, id);
                    CREATE INDEX orders_by_customer ON orders(customer_id);
                    CREATE INDEX alerts_by_order ON alerts(order_id);
                    CREATE INDEX outbox_by_alert ON outbox(alert_id);
                    CREATE INDEX outbox_open_tickets ON outbox(adapter, helpdesk_group)
                        WHERE helpdesk_group IS NOT NULL AND resolved_at IS NULL AND state != 'dead';
                    """)
        }
        migrator.registerMigration("v5-feedback") { db in
            try db.execute(
                sql: """
                    -- The node an alert is about (facility code, else name, else city), for the closed loop.
                    ALTER TABLE alerts ADD COLUMN facility TEXT;
                    CREATE INDEX alerts_by_facility ON alerts(facility, id) WHERE facility IS NOT NULL;

                    -- What the helpdesk reported when a ticket for the alert was solved: one row per alert.
                    CREATE TABLE alert_feedback (
                        alert_id INTEGER PRIMARY KEY REFERENCES alerts(id),
                        outbox_id INTEGER REFERENCES outbox(id),
                        helpdesk TEXT NOT NULL,
                        ticket_id TEXT NOT NULL,
                        status TEXT NOT NULL,
                        outcome TEXT CHECK (outcome IN ('false_alarm', 'confirmed_delay')),
                        verdict TEXT,
                        cause TEXT,
                        resolution TEXT,
                        facility TEXT,
                        solved_at INTEGER NOT NULL,
                        handling_seconds REAL,
                        inbox_id INTEGER,
                        recorded_at INTEGER NOT NULL
                    );
                    CREATE INDEX alert_feedback_by_facility ON alert_feedback(facility, solved_at);
                    -- A helpdesk report that does not echo our key names the ticket by the helpdesk's id.
                    CREATE INDEX outbox_tickets_by_receipt ON outbox(receipt) WHERE action = 'helpdesk_ticket';

                    -- The anomaly knowledge graph: entities and weighted, typed edges between them,
                    -- built from resolved alerts (facility → cause → resolution, and their context).
                    CREATE TABLE kg_entities (
                        id INTEGER PRIMARY KEY,
                        type TEXT NOT NULL,
                        name TEXT NOT NULL,
                        UNIQUE (type, name)
                    );
                    CREATE TABLE kg_edges (
                        source INTEGER NOT NULL REFERENCES kg_entities(id),
                        relation TEXT NOT NULL,
                        target INTEGER NOT NULL REFERENCES kg_entities(id),
                        weight REAL NOT NULL,
                        count INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (source, relation, target)
                    ) WITHOUT ROWID;
                    CREATE INDEX kg_edges_by_target ON kg_edges(target, relation);

                    -- The feedback factor of each node's expected dwell, and every change made to it.
                    CREATE TABLE node_feedback (
                        facility TEXT PRIMARY KEY,
                        factor REAL NOT NULL,
                        false_alarm_streak INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE feedback_adjustments (
                        id INTEGER PRIMARY KEY,
                        facility TEXT NOT NULL,
                        old_factor REAL NOT NULL,
                        new_factor REAL NOT NULL,
                        reason TEXT NOT NULL,
                        alert_id INTEGER,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX feedback_adjustments_by_facility ON feedback_adjustments(facility, id);
                    """)
        }
        migrator.registerMigration("v6-helpdesk-load") { db in
            // Routing picks the least-loaded helpdesk group for every ticket; counting the open
            // tickets each time grew with the day (a quadratic Double-11). The counts are kept
            // here instead, by triggers, so no code path that opens, kills or resolves a ticket
            // can forget them. A ticket is open while it has a group, is not resolved and is not dead.
            try db.execute(
                sql: """
                    CREATE TABLE helpdesk_load (
                        adapter TEXT NOT NULL,
                        helpdesk_group TEXT NOT NULL,
                        open_tickets INTEGER NOT NULL,
                        PRIMARY KEY (adapter, helpdesk_group)
                    ) WITHOUT ROWID;
                    INSERT INTO helpdesk_load (adapter, helpdesk_group, open_tickets)
                        SELECT adapter, helpdesk_group, COUNT(*) FROM outbox
                        WHERE helpdesk_group IS NOT NULL AND resolved_at IS NULL AND state != 'dead'
                        GROUP BY adapter, helpdesk_group;
                    CREATE TRIGGER helpdesk_load_insert AFTER INSERT ON outbox
                    WHEN NEW.helpdesk_group IS NOT NULL AND NEW.resolved_at IS NULL AND NEW.state != 'dead'
                    BEGIN
                        INSERT INTO helpdesk_load (adapter, helpdesk_group, open_tickets)
                            VALUES (NEW.adapter, NEW.helpdesk_group, 1)
                            ON CONFLICT (adapter, helpdesk_group) DO UPDATE SET open_tickets = open_tickets + 1;
                    END;
                    CREATE TRIGGER helpdesk_load_update AFTER UPDATE OF state, resolved_at, helpdesk_group, adapter ON outbox
                    WHEN OLD.helpdesk_group IS NOT NULL OR NEW.helpdesk_group IS NOT NULL
                    BEGIN
                        UPDATE helpdesk_load SET open_tickets = open_tickets - 1
                            WHERE OLD.helpdesk_group IS NOT NULL AND OLD.resolved_at IS NULL AND OLD.state != 'dead'
                            AND adapter = OLD.adapter AND helpdesk_group = OLD.helpdesk_group;
                        INSERT INTO helpdesk_load (adapter, helpdesk_group, open_tickets)
                            SELECT NEW.adapter, NEW.helpdesk_group, 1
                            WHERE NEW.helpdesk_group IS NOT NULL AND NEW.resolved_at IS NULL AND NEW.state != 'dead'
                            ON CONFLICT (adapter, helpdesk_group) DO UPDATE SET open_tickets = open_tickets + 1;
                    END;
                    CREATE TRIGGER helpdesk_load_delete AFTER DELETE ON outbox
                    WHEN OLD.helpdesk_group IS NOT NULL AND OLD.resolved_at IS NULL AND OLD.state != 'dead'
                    BEGIN
                        UPDATE helpdesk_load SET open_tickets = open_tickets - 1
                            WHERE adapter = OLD.adapter AND helpdesk_group = OLD.helpdesk_group;
                    END;
                    """)
        }
        migrator.registerMigration("v7-lean-outbox-indexes") { db in
            // Every delivery changes its row's state twice (pending → in flight → delivered).
            // `outbox_by_state` (state, id) moved the row's entry both times, although lists and
            // counts of the states that stay small are served by the partial indexes too; only
            // dead letters lacked one. The trigger keeping helpdesk loads ran a -1 and a +1 on
            // each of those changes of a ticket; it now runs only when the ticket opens or closes.
            try db.execute(
                sql: """
                    DROP INDEX outbox_by_state;
                    CREATE INDEX outbox_dead ON outbox(id) WHERE state = 'dead';
                    DROP TRIGGER helpdesk_load_update;
                    CREATE TRIGGER helpdesk_load_update AFTER UPDATE OF state, resolved_at, helpdesk_group, adapter ON outbox
                    WHEN (OLD.helpdesk_group IS NOT NULL OR NEW.helpdesk_group IS NOT NULL)
                        AND ((OLD.state = 'dead') != (NEW.state = 'dead') OR OLD.resolved_at IS NOT NEW.resolved_at
                            OR OLD.helpdesk_group IS NOT NEW.helpdesk_group OR OLD.adapter IS NOT NEW.adapter)
                    BEGIN
                        UPDATE helpdesk_load SET open_tickets = open_tickets - 1
                            WHERE OLD.helpdesk_group IS NOT NULL AND OLD.resolved_at IS NULL AND OLD.state != 'dead'
                            AND adapter = OLD.adapter AND helpdesk_group = OLD.helpdesk_group;
                        INSERT INTO helpdesk_load (adapter, helpdesk_group, open_tickets)
                            SELECT NEW.adapter, NEW.helpdesk_group, 1
                            WHERE NEW.helpdesk_group IS NOT NULL AND NEW.resolved_at IS NULL AND NEW.state != 'dead'
                            ON CONFLICT (adapter, helpdesk_group) DO UPDATE SET open_tickets = open_tickets + 1;
                    END;
                    """)
        }
        migrator.registerMigration("v8-outbox-replay-budget") { db in
            // A replay used to set `attempts` back to 0, but `attempts` is also the fencing token
            // of a lease: an attempt that outlived its lease could then settle a later claim with
            // the same number. Attempts now only grow; a replay records how many came before it,
            // and the retry budget counts from there.
            try db.execute(
                sql: "ALTER TABLE outbox ADD COLUMN attempts_before_replay INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }
}
