"""Legal documents (quote, pro-forma, invoice, credit note, delivery note) rendered from plain data to bytes."""
