import { DatabricksUnderTest } from './databricks';
import { describeConformance } from './suite';

describeConformance(new DatabricksUnderTest());
