import ArgumentParser
import HummingbirdTesting
import EscaleWeb
print("x")
