"""The mailings service: Paper mailing campaigns, address labels and e-mails to clients."""
