print("fouille")
