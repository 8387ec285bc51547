import { RedshiftUnderTest } from './redshift';
import { describeConformance } from './suite';

describeConformance(new RedshiftUnderTest());
