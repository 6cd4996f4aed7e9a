import Testing
import LineCore
