"""The seller's invoicing profile: who the account's invoices say issued them."""
