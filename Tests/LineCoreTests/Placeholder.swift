import LineCore
import Testing
