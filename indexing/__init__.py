"""Chunking, embedding and storage of documents in Qdrant."""
