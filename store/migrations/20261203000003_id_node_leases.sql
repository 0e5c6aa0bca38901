-- Each running instance holds one of the 1,024 id nodes under a lease it renews; a node is taken
-- only when free or when its holder stopped renewing, so two live instances never share one.
CREATE TABLE id_node_leases (
    node BIGINT PRIMARY KEY CHECK (node BETWEEN 0 AND 1023),
    holder TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);
