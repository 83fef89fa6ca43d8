"""E-mails to clients and to users: the API, the SMTP sender loop, and the e-mails other services ask for."""
