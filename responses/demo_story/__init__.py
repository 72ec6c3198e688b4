"""The demo's story, planned without Django: several weeks of a food-delivery city's service
events and what the invited people answer (``plan.story_plan``). ``analysis.demo_story`` loads
it through the real ingestion and answering services."""
