-- A helpdesk reply is sent after the transaction that decided it has committed; until it is
-- known to be sent, a later run answers the message again (a crash in between loses nothing).
ALTER TABLE helpdesk_messages ADD COLUMN replied_at timestamptz;
UPDATE helpdesk_messages SET replied_at = processed_at WHERE outcome IN ('honoured', 'refused');
