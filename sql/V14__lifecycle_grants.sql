-- Grants for what the lifecycle work (V11) has each group role do, on top of V10's:
-- the postal run (batch) opens weak activations (operations) and retires their predecessors;
-- an erasure (portal online, helpdesk by letter) forgets the citizen's helpdesk requests.
GRANT SELECT, INSERT, UPDATE ON operations TO sportello_batch;
GRANT USAGE ON SEQUENCE operations_id_seq TO sportello_batch;
GRANT SELECT, UPDATE ON helpdesk_messages TO sportello_portal;
