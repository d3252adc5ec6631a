"""The organisation's chart of accounts and tax types, per billing entity."""
