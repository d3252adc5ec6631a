"""What both emulators share: storage, fault injection, webhook delivery, serving."""
