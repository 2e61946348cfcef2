"""E-mail delivery for the outbox relay (`billing.relay`): the message format, the SMTP transport and, in
development, a transport that writes each mail to a file."""
