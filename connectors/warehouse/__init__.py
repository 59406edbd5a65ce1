"""The data warehouse's dictionary (DrHouse, PostgreSQL): one document per table or view."""
