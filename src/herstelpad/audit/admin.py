# The audit trail is deliberately absent from the admin: nobody edits it through the
# application. Auditors search it at /audit/.
