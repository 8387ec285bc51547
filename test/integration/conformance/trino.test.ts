import { describeConformance } from './suite';
import { TrinoUnderTest } from './trino';

describeConformance(new TrinoUnderTest());
