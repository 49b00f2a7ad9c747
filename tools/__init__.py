"""Developer tools: set-up, demo-city generation, map-asset vendoring, docs screenshots."""
